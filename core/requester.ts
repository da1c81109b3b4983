/** Who asked, through which front end, with which request id (to tell a duplicate delivery from a new request). */
export interface Requester {
  /** The config's user id (e.g. `alice`), or `slack:<U…>` for a Slack user not in the config. */
  readonly userId: string;
  readonly displayName: string;
  readonly via: 'cli' | 'slack' | 'schedule';
  /** CLI request id or Slack trigger/event id. */
  readonly requestId: string;
}
