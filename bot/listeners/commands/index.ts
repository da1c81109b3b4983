import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { infraCommandCallback } from './infra-command';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command('/infra', infraCommandCallback(deps));
}
