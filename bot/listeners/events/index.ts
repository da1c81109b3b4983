import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { appHomeOpenedCallback } from './app-home-opened';
import { appMentionCallback } from './app-mention';
import { directMessageCallback } from './direct-message';

export function registerEvents(app: App, deps: ListenerDeps): void {
  app.event('app_mention', appMentionCallback(deps));
  app.event('app_home_opened', appHomeOpenedCallback(deps));
  app.message(directMessageCallback(deps));
}
