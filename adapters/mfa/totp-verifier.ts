import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { AuditAction, AuditLog } from '../../core/audit';
import type {
  MfaAttemptContext,
  MfaCheck,
  MfaEnrollment,
  MfaReservation,
  MfaVerdict,
  MfaVerifier,
} from '../../core/mfa';
import { createFileMfaRecords } from './mfa-records';
import type { MfaRecord, MfaRecordStore, MfaReservedStep, MfaUpdate } from './mfa-records';

/** When refused codes lock a person out. */
export interface MfaLockoutProps {
  /** Refused codes within the window that lock. Default 5. */
  readonly maxFailures?: number;
  /** Default 900 (15 minutes). */
  readonly windowSeconds?: number;
  /** How long a lockout lasts. Default 900 (15 minutes). */
  readonly lockSeconds?: number;
}

/** Where and how TOTP secrets are kept. */
export interface TotpVerifierProps {
  /**
   * Where the sealed secrets and each person's lockout state are kept: a store shared by every instance
   * (PostgreSQL), or — when only `path` is given — one JSON file under the state dir.
   */
  readonly records?: MfaRecordStore;
  /** The JSON file of the file store (used when `records` is not given). */
  readonly path?: string;
  /** 32-byte AES-256-GCM key (INFRA_AGENT_MFA_KEY or the key file); secrets are never stored or logged in clear. */
  readonly key: Buffer;
  /** Issuer shown in authenticator apps. Default `infra-agent`. */
  readonly issuer?: string;
  /** Accepted clock drift in seconds either side. Default 30 (one step). */
  readonly toleranceSeconds?: number;
  readonly lockout?: MfaLockoutProps;
  /** A reservation neither committed nor released lapses after this. Default 300 (the code is long stale). */
  readonly reservationSeconds?: number;
  /** Refused codes and lockouts are recorded here (`mfa-failed`, `mfa-locked`). */
  readonly audit?: AuditLog;
  /** Where a failure to audit is said. Default: console.error. */
  readonly alerts?: { error(message: string): void };
  /** The clock, in epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
}

type Reserved = MfaReservedStep;
type StoredSecret = MfaRecord;

/** What one locked step decided, and what to tell the audit trail afterwards (outside the store's lock). */
interface Decision {
  readonly check: MfaCheck;
  readonly reservation?: Reserved;
  readonly audit: readonly { action: AuditAction; details: Record<string, unknown> }[];
}

const noop = (): Promise<void> => Promise.resolve();

/**
 * TOTP step-up verified by the product itself (a bot cannot present a person's AWS MFA device to STS).
 * Implements the core MfaVerifier, so an identity provider's step-up can replace it. The store is one file shared
 * by the bot and terminals (or one PostgreSQL table shared by every instance): every check and use of a code is one
 * exclusive read-modify-write of the person's record (MfaRecordStore.update).
 */
export class TotpMfaVerifier implements MfaVerifier {
  private readonly records: MfaRecordStore;

  constructor(private readonly props: TotpVerifierProps) {
    if (props.key.length !== 32) throw new Error('the MFA key must be 32 bytes (base64 of 32 random bytes)');
    if (!props.records && !props.path) throw new Error('the MFA verifier needs a store: records or path');
    this.records = props.records ?? createFileMfaRecords(props.path ?? '');
  }

  enroll(userId: string): Promise<MfaEnrollment> {
    return this.records.update(userId, (prev) => {
      const secret = generateSecret();
      // A new secret, the same lockout state: enrolling again is no way around a lockout.
      const next: StoredSecret = {
        ...this.seal(secret),
        lastStep: 0,
        ...(prev?.failures ? { failures: prev.failures } : {}),
        ...(prev?.lockedUntil ? { lockedUntil: prev.lockedUntil } : {}),
      };
      const otpauthUri = generateURI({ issuer: this.props.issuer ?? 'infra-agent', label: userId, secret });
      return { next, value: { otpauthUri, secret } };
    });
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.records.get(userId)) !== undefined;
  }

  async verify(userId: string, code: string, context?: MfaAttemptContext): Promise<MfaVerdict> {
    const r = await this.reserve(userId, code, context);
    await r.commit();
    return r.verdict;
  }

  async reserve(userId: string, code: string, context: MfaAttemptContext = {}): Promise<MfaReservation> {
    const decision = await this.records.update(userId, (entry) => this.decide(entry, code));
    for (const a of decision.audit) await this.record(userId, a.action, a.details, context);
    const held = decision.reservation;
    if (!held) return { ...decision.check, commit: noop, release: noop };
    let settled: Promise<void> | undefined;
    const settle = (use: boolean): Promise<void> =>
      (settled ??= this.records.update(userId, (entry) => this.settle(entry, held, use)));
    return { ...decision.check, commit: () => settle(true), release: () => settle(false) };
  }

  /** With the person's record held: checks the code against the lockout, the secret, used and reserved steps; records the result. */
  private async decide(entry: StoredSecret | undefined, code: string): Promise<MfaUpdate<Decision>> {
    if (!entry) return { value: { check: { verdict: 'not-enrolled' }, audit: [] } };
    const now = this.now();
    const lock = this.lockoutProps();
    if (entry.lockedUntil !== undefined && entry.lockedUntil > now) {
      const retryAfterSeconds = Math.ceil((entry.lockedUntil - now) / 1000);
      return {
        value: {
          check: { verdict: 'locked', retryAfterSeconds },
          audit: [{ action: 'mfa-failed', details: { reason: 'locked', retryAfterSeconds } }],
        },
      };
    }
    const reserved = (entry.reserved ?? []).filter((r) => r.until > now);
    const step = /^\d{6}$/.test(code) ? await this.matchStep(entry, code, now) : undefined;
    // Each code once: a step at or before the last used one (or one held by an approval in flight) is a replay
    // (RFC 6238 section 5.2).
    const replay = step !== undefined && (step <= entry.lastStep || reserved.some((r) => step <= r.step));
    if (step !== undefined && !replay) {
      const held: Reserved = {
        id: randomBytes(8).toString('hex'),
        step,
        until: now + this.reservationMs(),
        iv: entry.iv,
      };
      return {
        next: withoutLockout({ ...entry, reserved: [...reserved, held] }),
        value: { check: { verdict: 'ok' }, reservation: held, audit: [] },
      };
    }
    if (replay) {
      // The right code, already used or held by an approval in flight (a double click, two approvals at once):
      // proof of the authenticator, not a guess, so it does not count towards the lockout.
      return {
        value: { check: { verdict: 'reused' }, audit: [{ action: 'mfa-failed', details: { reason: 'reused' } }] },
      };
    }
    const failures = [...(entry.failures ?? []).filter((t) => t > now - lock.windowMs), now];
    const locks = failures.length >= lock.maxFailures;
    // Stored before answering: a restart does not forget a wrong code.
    const next: StoredSecret = locks
      ? { ...entry, reserved, failures: [], lockedUntil: now + lock.lockMs }
      : { ...entry, reserved, failures };
    const failed = { action: 'mfa-failed' as const, details: { reason: 'wrong', failures: failures.length } };
    if (!locks) {
      return {
        next,
        value: { check: { verdict: 'wrong', attemptsLeft: lock.maxFailures - failures.length }, audit: [failed] },
      };
    }
    const retryAfterSeconds = Math.ceil(lock.lockMs / 1000);
    return {
      next,
      value: {
        check: { verdict: 'locked', retryAfterSeconds },
        audit: [failed, { action: 'mfa-locked', details: { failures: failures.length, retryAfterSeconds } }],
      },
    };
  }

  /** The time step the code matches, if any. */
  private async matchStep(entry: StoredSecret, code: string, now: number): Promise<number | undefined> {
    const r = await verify({
      secret: this.open(entry),
      token: code,
      epoch: Math.floor(now / 1000),
      epochTolerance: this.props.toleranceSeconds ?? 30,
    });
    // The TOTP result names the time step that matched (HOTP results, which we never ask for, do not).
    return r.valid && 'timeStep' in r ? r.timeStep : undefined;
  }

  /** With the person's record held: ends a reservation; `use` makes its step used, else the code is free again. */
  private settle(entry: StoredSecret | undefined, held: Reserved, use: boolean): MfaUpdate<void> {
    if (!entry) return { value: undefined };
    const reserved = (entry.reserved ?? []).filter((r) => r.id !== held.id && r.until > this.now());
    // Committed even after the reservation lapsed: the approval it gated was accepted.
    const lastStep = use && entry.iv === held.iv ? Math.max(entry.lastStep, held.step) : entry.lastStep;
    return { next: { ...entry, lastStep, reserved }, value: undefined };
  }

  private async record(
    userId: string,
    action: AuditAction,
    details: Record<string, unknown>,
    context: MfaAttemptContext,
  ): Promise<void> {
    if (!this.props.audit) return;
    try {
      await this.props.audit.append({
        key: `mfa|${userId}|${action}|${new Date(this.now()).toISOString()}|${randomBytes(4).toString('hex')}`,
        action,
        actor: userId,
        operationId: context.operationId ?? 'mfa',
        environment: context.environment ?? '-',
        target: `mfa:${userId}`,
        details: { ...details, ...(context.via ? { via: context.via } : {}) },
      });
    } catch (e) {
      // The refusal stands (the lockout state is already saved); only its audit record is missing.
      (this.props.alerts ?? console).error(`MFA: could not audit ${action} for ${userId}: ${(e as Error).message}`);
    }
  }

  private lockoutProps(): { maxFailures: number; windowMs: number; lockMs: number } {
    const l = this.props.lockout ?? {};
    return {
      maxFailures: l.maxFailures ?? 5,
      windowMs: (l.windowSeconds ?? 900) * 1000,
      lockMs: (l.lockSeconds ?? 900) * 1000,
    };
  }

  private reservationMs(): number {
    return (this.props.reservationSeconds ?? 300) * 1000;
  }

  private now(): number {
    return (this.props.now ?? Date.now)();
  }

  private seal(secret: string): Pick<StoredSecret, 'iv' | 'tag' | 'data'> {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.props.key, iv);
    const data = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private open(s: StoredSecret): string {
    const d = createDecipheriv('aes-256-gcm', this.props.key, Buffer.from(s.iv, 'base64'));
    d.setAuthTag(Buffer.from(s.tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
  }
}

/** An accepted code ends the run of refused ones. */
function withoutLockout(e: StoredSecret): StoredSecret {
  const { failures: _f, lockedUntil: _l, ...rest } = e;
  return rest;
}
