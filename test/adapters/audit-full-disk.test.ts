import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AuditEntry, AuditRecord } from '../../core/audit';
import { createJsonlAuditLog, verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';

const run = promisify(execFile);

/** A real, tiny filesystem (tmpfs): a nearly full or full disk, as in production, not a simulated write. */
async function mountTinyFs(): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined; // not root, or no mount in this container
  }
}

/** Fills the filesystem until `leave` bytes are free (0: completely full). */
async function fill(dir: string, leave: number): Promise<string> {
  const s = await statfs(dir);
  const free = s.bavail * s.bsize;
  const filler = join(dir, 'filler');
  await writeFile(filler, Buffer.alloc(Math.max(0, free - leave))).catch(() => undefined);
  return filler;
}

const entry = (key: string, details?: Record<string, unknown>): AuditEntry => ({
  key,
  action: 'executed',
  actor: 'bob',
  operationId: 'stack/prd/vpc',
  environment: 'prd',
  target: 'infra-agent-prd-vpc',
  ...(details ? { details } : {}),
});

/** About 30 KB once recorded: strings under the per-field bound, many of them. */
const bigDetails = (): Record<string, unknown> =>
  Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`part${i}`, String(i).repeat(2000)]));

const parseAll = (path: string): AuditRecord[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as AuditRecord);

describe('JSON-lines audit log on a nearly full disk (a real 256 KiB tmpfs)', () => {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mountTinyFs();
    if (!dir) console.warn('audit-full-disk: cannot mount a tmpfs here (needs root); these tests do nothing');
  });
  afterAll(async () => {
    if (dir) {
      await run('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  afterEach(() => {
    if (dir) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
  });

  it('GIVEN room for only part of a record (a short write) THEN the append fails, nothing torn is left, and once space is back the next append chains on', async () => {
    if (!dir) return;
    const path = join(dir, 'audit.jsonl');
    const log = createJsonlAuditLog(path, { alerts: { error: () => undefined } });
    await log.append(entry('a'));
    await log.append(entry('b'));
    const before = readFileSync(path);
    const filler = await fill(dir, 8192); // two pages: the 30 KB record is written in part, then ENOSPC

    await expect(log.append(entry('big', bigDetails()))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(path)).toEqual(before); // cut back to the last whole record
    expect(readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([]);
    expect((await log.tail(10)).map((r) => r.seq)).toEqual([1, 2]);

    rmSync(filler);
    const next = await log.append(entry('big', bigDetails()));
    expect(next.seq).toBe(3);
    await log.append(entry('c'));
    const all = parseAll(path);
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(verifyAuditChain(all)).toBeUndefined();
  });

  it('GIVEN a completely full disk THEN the append fails at once and leaves no lock file behind; once space is back the next append succeeds without waiting for a stale lock', async () => {
    if (!dir) return;
    const path = join(dir, 'audit.jsonl');
    const log = createJsonlAuditLog(path);
    await log.append(entry('a'));
    const filler = await fill(dir, 0);

    await expect(log.append(entry('b'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([]);

    rmSync(filler);
    const t0 = Date.now();
    expect((await log.append(entry('b'))).seq).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(verifyAuditChain(parseAll(path))).toBeUndefined();
  });

  it('GIVEN a torn tail (left by the earlier code) and a full disk THEN the append is refused with the tail kept as it was; once space is back it is quarantined and recorded', async () => {
    if (!dir) return;
    const path = join(dir, 'audit.jsonl');
    const log = createJsonlAuditLog(path, { alerts: { error: () => undefined } });
    await log.append(entry('a'));
    const torn = JSON.stringify({ ...entry('half', bigDetails()), seq: 2 }).slice(0, 9000);
    await writeFile(path, torn, { flag: 'a' });
    const before = readFileSync(path);
    const filler = await fill(dir, 4096); // room for the lock, not for a copy of the torn bytes

    await expect(log.append(entry('b'))).rejects.toThrow(/torn record .* could not be moved aside/);
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.includes('.torn-') || f.includes('.lock'))).toEqual([]);

    rmSync(filler);
    expect((await log.append(entry('b'))).seq).toBe(3);
    const all = parseAll(path);
    expect(all.map((r) => r.action)).toEqual(['executed', 'audit-tail-quarantined', 'executed']);
    expect(verifyAuditChain(all)).toBeUndefined();
    const [moved] = readdirSync(dir).filter((f) => f.includes('.torn-'));
    expect(readFileSync(join(dir, moved!), 'utf8')).toBe(torn);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
