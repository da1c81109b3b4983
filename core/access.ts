/**
 * Just-in-time access for one approved operation: the worker assumes the environment's deploy role as the
 * approver (SourceIdentity) with the approval and operation ids as session tags, so CloudTrail ties every
 * call to the approval. JSON-safe and secret-free: it crosses into activities, which obtain the credentials
 * themselves (credentials never enter workflow history).
 */
export interface AccessGrant {
  readonly roleArn: string;
  /** The approver's user id; STS SourceIdentity (2–64 chars of [\w+=,.@-]). */
  readonly sourceIdentity: string;
  readonly approvalId: string;
  readonly operationId: string;
  /** ISO time after which no new credentials are issued for this approval. */
  readonly notAfter: string;
}

/** STS caps a role-chained session at one hour; the floor is 15 minutes. */
export const MAX_SESSION_SECONDS = 3600;
export const MIN_SESSION_SECONDS = 900;

/** How long the next session may last: up to an hour, never past the grant, or undefined when the grant is over. */
export function sessionSeconds(grant: AccessGrant, nowMs: number): number | undefined {
  const left = Math.floor((Date.parse(grant.notAfter) - nowMs) / 1000);
  if (left < MIN_SESSION_SECONDS) return left > 0 ? MIN_SESSION_SECONDS : undefined;
  return Math.min(MAX_SESSION_SECONDS, left);
}

/** A SourceIdentity STS accepts, derived from a user id (Slack-only users look like `slack:U…`). */
export function toSourceIdentity(userId: string): string {
  const cleaned = userId.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`;
}
