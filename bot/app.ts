import { App, LogLevel } from '@slack/bolt';
import type { Logger } from '@slack/bolt';
import { ConsoleLogger } from '@slack/logger';
import type { SlackConfig } from '../core/config';
import { MAX_SLACK_BODY_BYTES } from '../core/limits';
import type { BotDeps } from './deps';
import { createBoundedReceiver } from './http-receiver';
import { registerListeners } from './listeners';
import { WorkLane } from './work-lane';

/** The Slack app, its receiver chosen by config. */
export interface BotAppProps {
  readonly slack: SlackConfig;
  readonly deps: BotDeps;
  readonly logLevel?: LogLevel;
  /** Where Bolt, the receiver and every listener log. Default: Bolt's console logger at `logLevel`. */
  readonly logger?: Logger;
  /** Where listeners' after-ack work runs (default: a new lane); the bot main waits for it to empty on SIGTERM. */
  readonly lane?: WorkLane;
}

/**
 * HTTP receiver (signing secret; Bolt verifies each signature and its 5-minute window; bodies over
 * MAX_SLACK_BODY_BYTES are refused before they are read whole) or Socket Mode (app-level token; no public ingress).
 * botId/botUserId are given so Bolt never calls auth.test on the request path. One logger for Bolt, the receiver
 * and every listener, so a listener's warning or error is never dropped.
 */
export function createBotApp(props: BotAppProps): App {
  const s = props.slack;
  const logger = props.logger ?? props.deps.logger ?? new ConsoleLogger();
  // A logger passed in keeps its own level unless one is asked for.
  if (props.logLevel !== undefined || !(props.logger ?? props.deps.logger))
    logger.setLevel(props.logLevel ?? LogLevel.WARN);
  const common = {
    token: s.botToken,
    botId: s.botId ?? 'B00000000',
    botUserId: s.botUserId ?? 'U00000000',
    logger,
    clientOptions: s.apiUrl ? { slackApiUrl: s.apiUrl } : {},
    // Bolt's own token check at start-up calls auth.test once; requests never wait on it.
    tokenVerificationEnabled: false,
  };
  const app =
    s.mode === 'socket'
      ? new App({ ...common, socketMode: true, appToken: s.appToken ?? '' })
      : new App({
          ...common,
          receiver: createBoundedReceiver({
            signingSecret: s.signingSecret ?? '',
            logger,
            maxBodyBytes: MAX_SLACK_BODY_BYTES,
          }),
        });
  registerListeners(app, { ...props.deps, logger, lane: props.lane ?? new WorkLane() });
  return app;
}
