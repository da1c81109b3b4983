import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** How a cross-process lock file is taken. */
export interface FileLockProps {
  /** A lock older than this was left by a killed holder and is taken over. Default 30 s. */
  readonly staleMs?: number;
  /** Give up (with an error naming the lock file) after waiting this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** Says when a lock this process held was taken over by another one meanwhile. Default: console.error. */
  readonly warn?: (message: string) => void;
}

/** An empty lock file is a leftover of the older lock code (created, then its write failed): never a live holder. */
const EMPTY_LOCK_STALE_MS = 1_000;

/**
 * Runs `fn` holding `lockPath`, a lock file shared by processes on one host (the worker and the front ends).
 * The lock appears atomically with its content (written to a private file, then hard-linked into place), so a
 * failed write — a full disk — leaves no lock behind for others to wait on; it only fails this caller.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, props: FileLockProps = {}): Promise<T> {
  const token = await acquire(lockPath, props);
  try {
    return await fn();
  } finally {
    await release(lockPath, token, props.warn ?? ((m) => console.error(m)));
  }
}

async function acquire(lockPath: string, props: FileLockProps): Promise<string> {
  const staleMs = props.staleMs ?? 30_000;
  const deadline = Date.now() + (props.timeoutMs ?? 10_000);
  const token = `${process.pid}@${hostname()} ${randomBytes(8).toString('hex')}\n`;
  const mine = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(mine, token, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    await rm(mine, { force: true });
    throw e;
  }
  try {
    for (;;) {
      if (await placeLock(mine, lockPath, token)) return token;
      await takeOverIfStale(lockPath, staleMs);
      if (Date.now() > deadline)
        throw new Error(`${lockPath} is held by another writer (waited ${props.timeoutMs ?? 10_000} ms)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/** True when the lock is now ours; false when someone else holds it. */
async function placeLock(mine: string, lockPath: string, token: string): Promise<boolean> {
  try {
    await link(mine, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
  }
  // A filesystem without hard links: create exclusively, and remove it again if the write fails.
  let h;
  try {
    h = await open(lockPath, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await h.writeFile(token);
    await h.close();
    return true;
  } catch (e) {
    await h.close().catch(() => undefined);
    await rm(lockPath, { force: true });
    throw e;
  }
}

/**
 * A writer killed mid-append leaves its lock behind; after `staleMs` it is safe to take over. The stale lock is
 * renamed aside (only one waiter can win that rename) and put back if what was renamed turns out not to be the
 * lock judged stale (a new holder got in between).
 */
async function takeOverIfStale(lockPath: string, staleMs: number): Promise<void> {
  const st = await stat(lockPath).catch(() => undefined);
  if (!st) return;
  const age = Date.now() - st.mtimeMs;
  if (age <= staleMs && !(st.size === 0 && age > EMPTY_LOCK_STALE_MS)) return;
  const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // another waiter took it over first
  }
  const moved = await stat(aside).catch(() => undefined);
  if (moved && moved.ino !== st.ino) await link(aside, lockPath).catch(() => undefined);
  await rm(aside, { force: true });
}

async function release(lockPath: string, token: string, warn: (message: string) => void): Promise<void> {
  const held = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (held !== token) {
    warn(`${lockPath} was taken over while this process (${process.pid}) held it: the holder ran past the stale limit`);
    return;
  }
  await rm(lockPath, { force: true });
}
