import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import type { AuditExport } from '../../adapters/audit/chain';
import { verifyAuditChain } from '../../adapters/audit/chain';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import type { MfaRecordStore } from '../../adapters/mfa/mfa-records';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import type { DeliveryLedger } from '../../bot/dedupe';
import type { AlertRecord, AlertStore } from '../../core/alerts/alert';
import type { AuditEntry, AuditLog } from '../../core/audit';
import type { Waiver, WaiverStore } from '../../core/security/waivers';

/** One instance's view of a store: what a bot or worker process builds from the config. */
export interface StoreInstance {
  readonly audit: AuditLog & AuditExport;
  readonly mfaRecords: MfaRecordStore;
  readonly deliveries: DeliveryLedger;
  readonly alerts: AlertStore;
  readonly waivers: WaiverStore;
}

/** A store under test: fresh for each test, with as many instances over the same shared state as a test asks. */
export interface StoreFixture {
  /** A new instance (its own connections / handles) over the fixture's state; `now` stamps its audit records. */
  instance(now?: () => Date): StoreInstance;
  /** What test/store/append-child.ts needs to open the same store in another process: kind and location. */
  readonly childArgs: readonly string[];
  close(): Promise<void>;
}

const MFA_KEY = Buffer.alloc(32, 7);

const entry = (key: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
  key,
  action: 'requested',
  actor: 'U1',
  operationId: 'op-1',
  environment: 'dev',
  target: 'stack/web',
  ...over,
});

/** A clock that advances one second a call from a fixed instant: two stores given it stamp the same times. */
export const steppingClock = (): (() => Date) => {
  let t = Date.parse('2026-12-06T05:00:00.000Z');
  return () => new Date((t += 1000));
};

/** Appends `count` entries from `processes` child processes at once; resolves with every seq they were given. */
export async function appendFromProcesses(
  args: readonly string[],
  processes: number,
  count: number,
): Promise<number[]> {
  const runs = Array.from({ length: processes }, (_, i) => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, 'append-child.ts'), ...args, String(count), `p${i}`],
      { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise<number[]>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`append child p${i}: ${code}\n${err}`)),
      ),
    );
  });
  return (await Promise.all(runs)).flat();
}

/** The one suite every shared-state store passes (run by jsonl.test.ts and postgres.test.ts). */
export function describeStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`shared-state store contract: ${name}`, () => {
    let store: StoreFixture;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('GIVEN appends to two operations THEN tail gives the last n oldest first and forOperation only that operation', async () => {
      const { audit } = store.instance();
      await audit.append(entry('a'));
      await audit.append(entry('b', { operationId: 'op-2', action: 'validated' }));
      await audit.append(entry('c', { action: 'completed' }));
      const tail = await audit.tail(2);
      expect(tail.map((r) => [r.key, r.seq])).toEqual([
        ['b', 2],
        ['c', 3],
      ]);
      expect((await audit.forOperation('op-1')).map((r) => r.key)).toEqual(['a', 'c']);
      expect(await audit.forOperation('op-none')).toEqual([]);
      expect(verifyAuditChain(await audit.tail(10))).toBeUndefined();
    });

    test('GIVEN a retried append (same key) THEN it returns the first record and records nothing more', async () => {
      const { audit } = store.instance();
      const first = await audit.append(entry('k1', { details: { n: 1 } }));
      const again = await audit.append(entry('k1', { details: { n: 2 } }));
      expect(again).toEqual(first);
      expect((await audit.tail(10)).length).toBe(1);
    });

    test('GIVEN the same entries and clock THEN the export is byte for byte the JSON-lines file', async () => {
      const entries = [
        entry('x1', { details: { nested: { list: [1, 'two', null] }, text: 'ünïcode ✓ "quoted"' } }),
        entry('x2', { action: 'approved', actor: 'U2', details: { long: 'y'.repeat(5000) } }),
        entry('x3', { action: 'completed' }),
      ];
      const { audit } = store.instance(steppingClock());
      const reference = createJsonlAuditLog(join(mkdtempSync(join(tmpdir(), 'audit-ref-')), 'audit.jsonl'), {
        now: steppingClock(),
      });
      for (const e of entries) {
        await audit.append(e);
        await reference.append(e);
      }
      const exported = await audit.exportJsonLines();
      expect(exported).toBe(await reference.exportJsonLines());
      expect(exported.split('\n')).toHaveLength(4);
    });

    test('GIVEN 200 concurrent appends from two instances THEN seq is 1..200 without gaps and the chain verifies', async () => {
      const [a, b] = [store.instance().audit, store.instance().audit];
      const records = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append(entry(`c${i}`, { operationId: `op-${i % 7}` }))),
      );
      records.forEach((r, i) => expect(r.key).toBe(`c${i}`));
      const all = await a.tail(1000);
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(verifyAuditChain(all)).toBeUndefined();
    });

    test('GIVEN 300 appends from 4 processes at once THEN seq is gap-free and the chain intact', async () => {
      const { audit } = store.instance();
      await audit.append(entry('before'));
      const seqs = await appendFromProcesses(store.childArgs, 4, 75);
      expect(seqs).toHaveLength(300);
      expect(new Set(seqs).size).toBe(300);
      const all = await audit.tail(1000);
      expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
      expect(verifyAuditChain(all)).toBeUndefined();
    }, 180_000);

    test('GIVEN a Run in one instance and a Cancel in another at once THEN the first decision is the only one', async () => {
      const [a, b] = [store.instance().audit, store.instance().audit];
      const key = 'interpret/r1|proposal-decision|deploy web dev';
      const [run, cancel] = await Promise.all([
        a.append(entry(key, { action: 'proposal-accepted', actor: 'U1' })),
        b.append(entry(key, { action: 'proposal-declined', actor: 'U2' })),
      ]);
      expect(run).toEqual(cancel);
      const decided = (await a.tail(10)).filter((r) => r.key === key);
      expect(decided).toHaveLength(1);
      // A later decision (a third instance, minutes after) still gets the first one back.
      const late = await store.instance().audit.append(entry(key, { action: 'proposal-accepted', actor: 'U3' }));
      expect(late).toEqual(decided[0]);
    });

    test('GIVEN the same Slack delivery offered to three instances at once THEN exactly one handles it', async () => {
      const ledgers = [store.instance(), store.instance(), store.instance()].map((i) => i.deliveries);
      const answers = await Promise.all(
        ledgers.flatMap((l) => [Promise.resolve(l.first('Ev1')), Promise.resolve(l.first('Ev1'))]),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(await ledgers[0]?.first('Ev2')).toBe(true);
      expect(await ledgers[1]?.first('Ev2')).toBe(false);
    });

    test('GIVEN one TOTP code entered on two instances at once THEN one accepts it and the other refuses it as reused', async () => {
      const verifier = (i: StoreInstance) => new TotpMfaVerifier({ records: i.mfaRecords, key: MFA_KEY });
      const [a, b] = [verifier(store.instance()), verifier(store.instance())];
      const { secret } = await a.enroll('U1');
      expect(await b.isEnrolled('U1')).toBe(true);
      expect(await b.isEnrolled('U2')).toBe(false);
      const code = await generate({ secret });
      const verdicts = await Promise.all([a.verify('U1', code), b.verify('U1', code)]);
      expect(verdicts.sort()).toEqual(['ok', 'reused']);
      // Later, a third instance: still used.
      expect(await verifier(store.instance()).verify('U1', code)).toBe('reused');
    });

    test('GIVEN alert records THEN the latest per key is kept and listed', async () => {
      const [a, b] = [store.instance().alerts, store.instance().alerts];
      const rec = (key: string, state: string) => ({ key, state }) as unknown as AlertRecord;
      await a.put(rec('drift/web/dev', 'open'));
      await b.put(rec('drift/web/dev', 'acknowledged'));
      await a.put(rec('cost/dev', 'open'));
      expect(await b.get('drift/web/dev')).toEqual(rec('drift/web/dev', 'acknowledged'));
      expect(await a.get('none')).toBeUndefined();
      expect((await b.list()).map((r) => r.key).sort()).toEqual(['cost/dev', 'drift/web/dev']);
    });

    test('GIVEN a waiver granted twice and revoked twice THEN the first grant and the first revoke stand', async () => {
      const [a, b] = [store.instance().waivers, store.instance().waivers];
      const w: Waiver = {
        id: 'wv-0123456789',
        environment: 'dev',
        findingId: 'CVE-2019-10744',
        image: 'web:1.2.3',
        digest: 'sha256:' + 'a'.repeat(64),
        reason: 'not reachable',
        grantedBy: 'U1',
        grantedAt: '2026-12-06T05:00:00.000Z',
        expiresAt: '2026-12-20T05:00:00.000Z',
      };
      expect(await a.add(w)).toEqual(w);
      expect(await b.add({ ...w, reason: 'other' })).toEqual(w);
      await a.add({ ...w, id: 'wv-prd0000001', environment: 'prd' });
      const [r1, r2] = await Promise.all([
        a.revoke(w.id, 'U2', '2026-12-07T00:00:00.000Z'),
        b.revoke(w.id, 'U3', '2026-12-08T00:00:00.000Z'),
      ]);
      const stored = await b.get(w.id);
      expect([r1, r2]).toContainEqual(stored);
      expect(['U2', 'U3']).toContain(stored?.revokedBy);
      expect(await a.revoke('wv-none000000', 'U2', '2026-12-07T00:00:00.000Z')).toBeUndefined();
      expect((await b.list('dev')).map((x) => x.id)).toEqual([w.id]);
      expect((await b.list()).map((x) => x.id)).toEqual([w.id, 'wv-prd0000001']);
    });
  });
}
