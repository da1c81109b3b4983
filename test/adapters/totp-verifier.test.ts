import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createJsonlAuditLog, verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import type { TotpVerifierProps } from '../../adapters/mfa/totp-verifier';
import type { AuditLog } from '../../core/audit';
import { mfaRefusalText } from '../../core/mfa';

/** One MFA store on disk, its audit log, and a clock the test moves: several verifiers over it are processes. */
function store() {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-store-'));
  const key = randomBytes(32);
  const audit: AuditLog = createJsonlAuditLog(join(dir, 'audit.jsonl'));
  const clock = { now: Date.UTC(2026, 0, 5, 9, 0, 0) };
  const path = join(dir, 'mfa-secrets.json');
  const verifier = (extra: Partial<TotpVerifierProps> = {}) =>
    new TotpMfaVerifier({ path, key, audit, now: () => clock.now, ...extra });
  return { path, audit, clock, verifier };
}

const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });
const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');
const MIN = 60_000;

describe('TOTP MFA store: lockout', () => {
  it('GIVEN five wrong codes in a row THEN the fifth locks for 15 minutes, the right code is then refused unchecked, each failure and the lockout are audited, and a restart does not unlock', async () => {
    const s = store();
    const mfa = s.verifier();
    const { secret } = await mfa.enroll('bob');
    const right = await codeAt(secret, s.clock.now);
    const verdicts = [];
    for (let i = 0; i < 5; i++) {
      const r = await mfa.reserve('bob', wrongCode(right), { operationId: 'stack/prd/vpc', environment: 'prd' });
      verdicts.push([r.verdict, r.attemptsLeft ?? r.retryAfterSeconds]);
    }
    expect(verdicts).toEqual([
      ['wrong', 4],
      ['wrong', 3],
      ['wrong', 2],
      ['wrong', 1],
      ['locked', 900],
    ]);

    s.clock.now += 60_000;
    const locked = await mfa.reserve('bob', await codeAt(secret, s.clock.now));
    expect(locked).toMatchObject({ verdict: 'locked', retryAfterSeconds: 840 });
    expect(mfaRefusalText(locked)).toContain('not accepted for you for 14 minutes');
    expect(JSON.parse(readFileSync(s.path, 'utf8')).bob.lockedUntil).toBe(Date.UTC(2026, 0, 5, 9, 15, 0));

    // A restart (a new process over the same file) is still locked.
    s.clock.now += 10 * MIN;
    expect(await s.verifier().verify('bob', await codeAt(secret, s.clock.now))).toBe('locked');

    const records = await s.audit.tail(100);
    expect(records.map((r) => [r.action, r.details?.reason])).toEqual([
      ['mfa-failed', 'wrong'],
      ['mfa-failed', 'wrong'],
      ['mfa-failed', 'wrong'],
      ['mfa-failed', 'wrong'],
      ['mfa-failed', 'wrong'],
      ['mfa-locked', undefined],
      ['mfa-failed', 'locked'],
      ['mfa-failed', 'locked'],
    ]);
    expect(records[0]).toMatchObject({ actor: 'bob', operationId: 'stack/prd/vpc', environment: 'prd' });
    expect(records[5]?.details).toMatchObject({ failures: 5, retryAfterSeconds: 900 });
    expect(JSON.stringify(records)).not.toContain(right); // codes never reach the audit trail
    expect(verifyAuditChain(records)).toBeUndefined();

    // After the 15 minutes, the current code is accepted and the count starts again.
    s.clock.now = Date.UTC(2026, 0, 5, 9, 15, 1);
    expect(await s.verifier().verify('bob', await codeAt(secret, s.clock.now))).toBe('ok');
    expect((await mfa.reserve('bob', '12')).attemptsLeft).toBe(4);
  });

  it('GIVEN wrong codes spread over more than the window, or a right code between them THEN no lockout', async () => {
    const s = store();
    const mfa = s.verifier();
    const { secret } = await mfa.enroll('bob');
    const bad = wrongCode(await codeAt(secret, s.clock.now));
    for (let i = 0; i < 4; i++) await mfa.verify('bob', bad);
    s.clock.now += 16 * MIN;
    expect(await mfa.reserve('bob', bad)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
    for (let i = 0; i < 3; i++) await mfa.verify('bob', bad);
    expect(await mfa.verify('bob', await codeAt(secret, s.clock.now))).toBe('ok');
    expect(await mfa.reserve('bob', bad)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
  });

  it('GIVEN a lockout for one person THEN another is unaffected; an unknown person is not-enrolled and never locked', async () => {
    const s = store();
    const mfa = s.verifier({ lockout: { maxFailures: 2 } });
    await mfa.enroll('bob');
    const { secret } = await mfa.enroll('alice');
    for (let i = 0; i < 2; i++) await mfa.verify('bob', 'nope');
    expect(await mfa.verify('bob', 'nope')).toBe('locked');
    expect(await mfa.verify('alice', await codeAt(secret, s.clock.now))).toBe('ok');
    for (let i = 0; i < 5; i++) expect(await mfa.verify('carol', '123456')).toBe('not-enrolled');
  });
});

describe('TOTP MFA store: a code is used only by an approval that is accepted', () => {
  it('GIVEN a reserved code THEN nobody can reserve it meanwhile; released, it is usable again; committed, it is used for good', async () => {
    const s = store();
    const bot = s.verifier();
    const terminal = s.verifier(); // another process on the same store
    const { secret } = await bot.enroll('bob');
    const code = await codeAt(secret, s.clock.now);

    const first = await bot.reserve('bob', code);
    expect(first.verdict).toBe('ok');
    expect((await terminal.reserve('bob', code)).verdict).toBe('reused');

    await first.release(); // the approval was refused (a stale change set): the code is not burnt
    const second = await terminal.reserve('bob', code);
    expect(second.verdict).toBe('ok');
    await second.commit();
    await second.release(); // after commit, a release changes nothing
    expect((await bot.reserve('bob', code)).verdict).toBe('reused');
    expect(await bot.verify('bob', code)).toBe('reused');
  });

  it('GIVEN two processes reserving the same code at once THEN exactly one gets it', async () => {
    const s = store();
    const { secret } = await s.verifier().enroll('bob');
    const code = await codeAt(secret, s.clock.now);
    const results = await Promise.all(Array.from({ length: 6 }, () => s.verifier().reserve('bob', code)));
    expect(results.map((r) => r.verdict).sort()).toEqual(['ok', 'reused', 'reused', 'reused', 'reused', 'reused']);
  });

  it('GIVEN a reservation never settled (the process died) THEN it lapses; a commit after that still uses the code', async () => {
    const s = store();
    const mfa = s.verifier({ reservationSeconds: 20, toleranceSeconds: 60 });
    const { secret } = await mfa.enroll('bob');
    const code = await codeAt(secret, s.clock.now);
    const held = await mfa.reserve('bob', code);
    expect(held.verdict).toBe('ok');
    s.clock.now += 25_000;
    const again = await mfa.reserve('bob', code);
    expect(again.verdict).toBe('ok'); // the lapsed reservation no longer holds the code
    await held.commit();
    await again.release();
    expect(await mfa.verify('bob', code)).toBe('reused');
  });

  it('GIVEN the verify API of current callers THEN it still accepts a code once', async () => {
    const s = store();
    const mfa = s.verifier();
    const { secret } = await mfa.enroll('bob');
    const code = await codeAt(secret, s.clock.now);
    expect(await mfa.verify('bob', code)).toBe('ok');
    expect(await mfa.verify('bob', code)).toBe('reused');
    expect(mfaRefusalText('locked')).toContain('Too many wrong MFA codes');
  });
});

describe('TOTP MFA store: replacing an authenticator', () => {
  it('GIVEN a code reserved to replace the authenticator THEN committing it after the new enrolment does not refuse the new one’s current code', async () => {
    const s = store();
    const mfa = s.verifier();
    const old = await mfa.enroll('bob');
    const held = await mfa.reserve('bob', await codeAt(old.secret, s.clock.now), { operationId: 'mfa-enroll' });
    expect(held.verdict).toBe('ok');
    const fresh = await mfa.enroll('bob');
    await held.commit();
    expect(await mfa.verify('bob', await codeAt(fresh.secret, s.clock.now))).toBe('ok');
  });

  it('GIVEN a locked person THEN enrolling again does not lift the lock', async () => {
    const s = store();
    const mfa = s.verifier({ lockout: { maxFailures: 1 } });
    await mfa.enroll('bob');
    expect(await mfa.verify('bob', 'nope')).toBe('locked');
    const fresh = await mfa.enroll('bob');
    expect(await mfa.verify('bob', await codeAt(fresh.secret, s.clock.now))).toBe('locked');
  });
});
