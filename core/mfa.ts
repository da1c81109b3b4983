/**
 * Step-up MFA behind one small interface, so an identity provider's step-up (Okta, Duo, IAM Identity Center)
 * can replace the built-in TOTP verifier without touching the front ends. Codes never leave the verifier:
 * callers learn only the verdict, and workflows only ever see `mfaVerified: true`.
 */
export type MfaVerdict = 'ok' | 'wrong' | 'reused' | 'not-enrolled' | 'locked';

/** A verdict and what the person needs to know about it. */
export interface MfaCheck {
  readonly verdict: MfaVerdict;
  /** With 'locked': seconds until codes are checked again. */
  readonly retryAfterSeconds?: number;
  /** With 'wrong': wrong codes left before the lockout (a reused code is not a guess and does not count). */
  readonly attemptsLeft?: number;
}

/** Where a code was entered: names the attempt in the audit trail when it is refused. */
export interface MfaAttemptContext {
  readonly operationId?: string;
  readonly environment?: string;
  /** The front end: `slack`, `cli`. */
  readonly via?: string;
}

/**
 * A code held for one approval. An accepted code is reserved, not yet used: nobody else can reserve it meanwhile.
 * `commit` once the approval is accepted (the code is used, never accepted again); `release` when the approval
 * is refused (a stale change set, a conflict): the code may be used again while it is current. Each is
 * idempotent; only the first of the two counts. Both are no-ops unless the verdict is 'ok'. A reservation neither
 * committed nor released (the process died) lapses after a few minutes, when the code is long out of date.
 */
export interface MfaReservation extends MfaCheck {
  commit(): Promise<void>;
  release(): Promise<void>;
}

/** What enrolment hands the person, once, in a direct message. Never logged, never stored in clear. */
export interface MfaEnrollment {
  /** otpauth:// URI an authenticator app scans (as a QR code) or imports. */
  readonly otpauthUri: string;
  /** The base32 key, for typing into an authenticator by hand. */
  readonly secret: string;
}

/**
 * Verifies a person's second factor. `userId` is the config's user id (e.g. `bob`). Refused codes count towards
 * a per-person lockout (e.g. 5 within 15 minutes lock codes for 15 minutes), which survives restarts.
 */
export interface MfaVerifier {
  /** Creates (or replaces) the person's authenticator secret. */
  enroll(userId: string): Promise<MfaEnrollment>;
  isEnrolled(userId: string): Promise<boolean>;
  /** Checks a code and uses it at once (reserve + commit): for a check that gates nothing that can be refused. */
  verify(userId: string, code: string, context?: MfaAttemptContext): Promise<MfaVerdict>;
  /** Checks a code and holds it for an approval that may still be refused; see MfaReservation. */
  reserve(userId: string, code: string, context?: MfaAttemptContext): Promise<MfaReservation>;
}

function inMinutes(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** The sentence a person sees for a refused verdict (with its lockout details when given a check). */
export function mfaRefusalText(refusal: Exclude<MfaVerdict, 'ok'> | MfaCheck): string {
  const check: MfaCheck = typeof refusal === 'string' ? { verdict: refusal } : refusal;
  const left =
    check.attemptsLeft === undefined
      ? ''
      : ` (${check.attemptsLeft} more wrong code${check.attemptsLeft === 1 ? '' : 's'} and MFA locks for a while)`;
  switch (check.verdict) {
    case 'ok':
      return 'The code is valid.';
    case 'wrong':
      return `That code is not valid right now. Enter the current 6-digit code from your authenticator.${left}`;
    case 'reused':
      return 'That code was already used. Wait for the next code and enter it.';
    case 'locked':
      return check.retryAfterSeconds === undefined
        ? 'Too many wrong MFA codes: codes are not accepted for you for now. Try again later.'
        : `Too many wrong MFA codes: codes are not accepted for you for ${inMinutes(check.retryAfterSeconds)}. ` +
            'Try again then.';
    case 'not-enrolled':
      return 'You have no authenticator enrolled yet: run `/infra mfa enroll` in Slack (or `node bin/infra-agent mfa enroll` in a terminal from the repository) first.';
  }
}
