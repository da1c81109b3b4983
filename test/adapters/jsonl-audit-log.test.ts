import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
