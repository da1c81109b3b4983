/**
 * Step-up MFA behind one small interface, so an identity provider's step-up (Okta, Duo, IAM Identity Center)
 * can replace the built-in TOTP verifier without touching the front ends. Codes never leave the verifier:
 * callers learn only the verdict, and workflows only ever see `mfaVerified: true`.
 */
export type MfaVerdict = 'ok' | 'wrong' | 'reused' | 'not-enrolled';

/** What enrolment hands the person, once, in a direct message. Never logged, never stored in clear. */
export interface MfaEnrollment {
  /** otpauth:// URI an authenticator app scans (as a QR code) or imports. */
  readonly otpauthUri: string;
  /** The base32 key, for typing into an authenticator by hand. */
  readonly secret: string;
}

/** Verifies a person's second factor. `userId` is the config's user id (e.g. `bob`). */
export interface MfaVerifier {
  /** Creates (or replaces) the person's authenticator secret. */
  enroll(userId: string): Promise<MfaEnrollment>;
  isEnrolled(userId: string): Promise<boolean>;
  /** Checks a code; each accepted code is accepted once only (a second use is 'reused'). */
  verify(userId: string, code: string): Promise<MfaVerdict>;
}

/** The sentence a person sees for a refused verdict. */
export function mfaRefusalText(verdict: Exclude<MfaVerdict, 'ok'>): string {
  switch (verdict) {
    case 'wrong':
      return 'That code is not valid right now. Enter the current 6-digit code from your authenticator.';
    case 'reused':
      return 'That code was already used. Wait for the next code and enter it.';
    case 'not-enrolled':
      return 'You have no authenticator enrolled yet: run `/infra mfa enroll` in Slack (or `infra-agent mfa enroll` in a terminal) first.';
  }
}
