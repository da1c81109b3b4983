import { LogLevel, WebClient } from '@slack/web-api';

/** How the worker's Slack client behaves; defaults suit real Slack. */
export interface SlackClientProps {
  readonly botToken: string;
  /** Slack's Web API base URL (`https://slack.com/api/`); the sandbox points it at a local server. */
  readonly apiUrl?: string;
  /** Per-request timeout. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A WebClient for use inside activities: its own retries are off (it would otherwise retry for ~30 minutes
 * inside one activity attempt) and rate-limited calls are rejected at once, so Temporal owns every retry.
 */
export function createActivityWebClient(props: SlackClientProps): WebClient {
  return new WebClient(props.botToken, {
    ...(props.apiUrl ? { slackApiUrl: props.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: props.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
  });
}
