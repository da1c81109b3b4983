import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditEntry, AuditRecord } from '../../core/audit';
import { createJsonlAuditLog, verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';

const entry = (key: string, actor = 'alice'): AuditEntry => ({
  key,
  action: 'requested',
  actor,
  operationId: 'stack/dev/vpc',
  environment: 'dev',
  target: 'infra-agent-dev-vpc',
  details: { via: 'cli' },
});

function freshPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
}

describe('JSON-lines audit log', () => {
  it('GIVEN appends THEN records are numbered, hash-chained, one JSON object per line', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    await log.append(entry('a'));
    await log.append(entry('b', 'bob'));
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const records = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => [r.seq, r.actor])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
    ]);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(verifyAuditChain(records)).toBeUndefined();
  });

  it('GIVEN the same key twice (a retried activity) THEN only one record exists', async () => {
    const log = createJsonlAuditLog(freshPath());
    const first = await log.append(entry('same'));
    const second = await log.append(entry('same'));
    expect(second).toEqual(first);
    expect(await log.tail(10)).toHaveLength(1);
  });

  it('GIVEN concurrent writers THEN no record is lost and the chain holds', async () => {
    const path = freshPath();
    const writers = [createJsonlAuditLog(path), createJsonlAuditLog(path), createJsonlAuditLog(path)];
    await Promise.all(Array.from({ length: 30 }, (_, i) => writers[i % 3]!.append(entry(`k${i}`))));
    const all = await writers[0]!.tail(100);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyAuditChain(all)).toBeUndefined();
  });

  it('GIVEN 300 concurrent appends in one process (busy worker) THEN they are batched: every caller gets its own record, none lost, the chain holds', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    const other = createJsonlAuditLog(path); // a second process's writer, interleaving
    const keys = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const results = await Promise.all(keys.map((k, i) => (i % 10 === 0 ? other : log).append(entry(k))));
    expect(results.map((r) => r.key)).toEqual(keys);
    const all = await log.tail(1000);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(new Set(all.map((r) => r.key)).size).toBe(300);
    expect(verifyAuditChain(all)).toBeUndefined();
  });

  it('GIVEN the same key twice in one batch THEN one record, and both callers get it', async () => {
    const log = createJsonlAuditLog(freshPath());
    const [a, b] = await Promise.all([log.append(entry('dup')), log.append(entry('dup'))]);
    expect(b).toEqual(a);
    expect(await log.tail(10)).toHaveLength(1);
  });

  it('GIVEN a record edited after the fact THEN verification names it', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    for (const k of ['a', 'b', 'c']) await log.append(entry(k));
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        '"actor":"alice","operationId":"stack/dev/vpc","environment":"dev","target":"infra-agent-dev-vpc","details":{"via":"cli"},"seq":2',
        '"actor":"mallory","operationId":"stack/dev/vpc","environment":"dev","target":"infra-agent-dev-vpc","details":{"via":"cli"},"seq":2',
      ),
    );
    expect(verifyAuditChain(await log.tail(10))).toBe(2);
  });

  it('GIVEN a log larger than the tail window THEN appends still chain to the last record', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    const big = { ...entry('x'), details: { blob: 'y'.repeat(4000) } };
    for (let i = 0; i < 80; i++) await log.append({ ...big, key: `big${i}` });
    const last = await log.append(entry('after'));
    expect(last.seq).toBe(81);
    const all = await log.tail(1000);
    expect(verifyAuditChain(all)).toBeUndefined();
  });
});

/** A record as the earlier code wrote it: any size, hashed the same way. */
function rawRecord(e: AuditEntry, seq: number, prevHash: string): AuditRecord {
  const body = { ...e, seq, at: new Date().toISOString(), prevHash };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

describe('JSON-lines audit log: bounded records, whatever was said', () => {
  it('GIVEN a 40,000-character mention in a record THEN it is cut to a prefix with its length and digest, the record stays under 64 KiB, and the next record chains on it', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    const mention = 'deploy everything '.repeat(2300); // ~41,000 chars
    const huge = await log.append({ ...entry('refused'), action: 'proposal-refused', details: { text: mention } });
    const text = String(huge.details?.text);
    expect(text.startsWith(mention.slice(0, 1000))).toBe(true);
    expect(text).toContain(`…(${mention.length} chars, sha256 ${sha256(mention)})`);
    const next = await log.append(entry('next'));
    expect(next.seq).toBe(2);
    expect(next.prevHash).toBe(huge.hash);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(Math.max(...lines.map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(64 * 1024);
    expect(verifyAuditChain(await log.tail(10))).toBeUndefined();
  });

  it('GIVEN details too big in breadth (thousands of keys, long arrays, deep nesting) or long top-level fields THEN the record is still bounded and says what was left out', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(1500)]));
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = { deeper: deep };
    const r = await log.append({
      ...entry('wide'),
      target: 't'.repeat(100_000),
      key: 'key-'.repeat(10_000),
      details: { wide, list: Array.from({ length: 1000 }, (_, i) => i), deep },
    });
    expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(64 * 1024);
    expect(r.target).toContain('…(100000 chars, sha256');
    // A retried append of the same oversized entry is still recognised (the bounded key is deterministic).
    const again = await log.append({ ...entry('wide'), key: 'key-'.repeat(10_000) });
    expect(again).toEqual(r);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('GIVEN a log whose last record is bigger than the tail window (written before records were bounded) THEN the next append chains on it: seq continues, the chain verifies', async () => {
    const path = freshPath();
    const first = rawRecord(entry('a'), 1, '0'.repeat(64));
    const big = rawRecord({ ...entry('b'), details: { text: 'z'.repeat(310_000) } }, 2, first.hash);
    writeFileSync(path, `${JSON.stringify(first)}\n${JSON.stringify(big)}\n`);
    const log = createJsonlAuditLog(path);
    const next = await log.append(entry('c'));
    expect(next).toMatchObject({ seq: 3, prevHash: big.hash });
    const again = await log.append(entry('d'));
    expect(again.seq).toBe(4);
    expect(verifyAuditChain(await log.tail(10))).toBeUndefined();
  });
});

describe('JSON-lines audit log: a torn tail is quarantined, never trusted, never dropped', () => {
  const tornLog = (): { path: string; good: AuditRecord; torn: string } => {
    const path = freshPath();
    const good = rawRecord(entry('a'), 1, '0'.repeat(64));
    const half = JSON.stringify(rawRecord({ ...entry('b'), details: { text: 'q'.repeat(5000) } }, 2, good.hash));
    const torn = half.slice(0, 3000); // what a short write on a full disk left: no end, no newline
    writeFileSync(path, `${JSON.stringify(good)}\n${torn}`);
    return { path, good, torn };
  };

  it('GIVEN a half-written last record THEN the next append moves it to <file>.torn-<time>, alerts, records its size and sha256, and chains on the last whole record', async () => {
    const { path, good, torn } = tornLog();
    const alerts: string[] = [];
    const log = createJsonlAuditLog(path, { alerts: { error: (m) => alerts.push(m) } });
    const next = await log.append(entry('c'));
    expect(next.seq).toBe(3);
    const all = await log.tail(10);
    expect(all.map((r) => [r.seq, r.action])).toEqual([
      [1, 'requested'],
      [2, 'audit-tail-quarantined'],
      [3, 'requested'],
    ]);
    expect(all[1]?.prevHash).toBe(good.hash);
    expect(verifyAuditChain(all)).toBeUndefined();
    const files = readdirSync(dirname(path)).filter((f) => f.startsWith('audit.jsonl.torn-'));
    expect(files).toHaveLength(1);
    expect(files[0]).not.toContain('.unrecorded');
    expect(readFileSync(join(dirname(path), files[0]!), 'utf8')).toBe(torn);
    expect(all[1]?.details).toEqual({ file: files[0], bytes: torn.length, sha256: sha256(torn) });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(`Moved to ${join(dirname(path), files[0]!)}`);
    expect(alerts[0]).toContain(sha256(torn));
  });

  it('GIVEN a torn tail and no append THEN reading the log (`audit`) quarantines it too instead of failing for good', async () => {
    const { path } = tornLog();
    const log = createJsonlAuditLog(path, { alerts: { error: () => undefined } });
    const all = await log.tail(10);
    expect(all.map((r) => r.action)).toEqual(['requested', 'audit-tail-quarantined']);
    expect(verifyAuditChain(all)).toBeUndefined();
  });

  it('GIVEN a last line with its newline that is not a record (zeros after a crash) THEN it is quarantined as well', async () => {
    const path = freshPath();
    const good = rawRecord(entry('a'), 1, '0'.repeat(64));
    writeFileSync(path, `${JSON.stringify(good)}\n\0\0\0\0\n`);
    const log = createJsonlAuditLog(path, { alerts: { error: () => undefined } });
    expect((await log.append(entry('c'))).seq).toBe(3);
    expect(verifyAuditChain(await log.tail(10))).toBeUndefined();
  });

  it('GIVEN a quarantine file whose record was never written (a crash in between) THEN the next append records it and names it finally', async () => {
    const path = freshPath();
    const log = createJsonlAuditLog(path);
    await log.append(entry('a'));
    writeFileSync(`${path}.torn-2026-01-01T00-00-00-000Z.unrecorded`, 'half a record');
    await log.append(entry('b'));
    const all = await log.tail(10);
    expect(all.map((r) => r.action)).toEqual(['requested', 'audit-tail-quarantined', 'requested']);
    expect(all[1]?.details).toMatchObject({ bytes: 13, sha256: sha256('half a record') });
    expect(readdirSync(dirname(path)).filter((f) => f.includes('.torn-'))).toEqual([
      'audit.jsonl.torn-2026-01-01T00-00-00-000Z',
    ]);
    await log.append(entry('c'));
    expect((await log.tail(10)).filter((r) => r.action === 'audit-tail-quarantined')).toHaveLength(1);
  });

  it('GIVEN an empty lock file left by the earlier lock code THEN an append takes it over within a second, not after 30 s', async () => {
    const path = freshPath();
    writeFileSync(`${path}.lock`, '');
    utimesSync(`${path}.lock`, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    const t0 = Date.now();
    await createJsonlAuditLog(path).append(entry('a'));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
