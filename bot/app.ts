import { App, LogLevel } from '@slack/bolt';
import type { SlackConfig } from '../core/config';
import type { BotDeps } from './deps';
import { registerListeners } from './listeners';

/** The Slack app, its receiver chosen by config. */
export interface BotAppProps {
  readonly slack: SlackConfig;
  readonly deps: BotDeps;
  readonly logLevel?: LogLevel;
}

/**
 * HTTP receiver (signing secret; Bolt verifies each signature and its 5-minute window) or Socket Mode (app-level
 * token; no public ingress). botId/botUserId are given so Bolt never calls auth.test on the request path.
 */
export function createBotApp(props: BotAppProps): App {
  const s = props.slack;
  const common = {
    token: s.botToken,
    botId: s.botId ?? 'B00000000',
    botUserId: s.botUserId ?? 'U00000000',
    logLevel: props.logLevel ?? LogLevel.WARN,
    clientOptions: s.apiUrl ? { slackApiUrl: s.apiUrl } : {},
    // Bolt's own token check at start-up calls auth.test once; requests never wait on it.
    tokenVerificationEnabled: false,
  };
  const app =
    s.mode === 'socket'
      ? new App({ ...common, socketMode: true, appToken: s.appToken ?? '' })
      : new App({ ...common, signingSecret: s.signingSecret ?? '', port: s.port });
  registerListeners(app, props.deps);
  return app;
}
