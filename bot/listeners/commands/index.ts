import type { App } from '@slack/bolt';
import type { BotDeps } from '../../deps';
import { infraCommandCallback } from './infra-command';

export function registerCommands(app: App, deps: BotDeps): void {
  app.command('/infra', infraCommandCallback(deps));
}
