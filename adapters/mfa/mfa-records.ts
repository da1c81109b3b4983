import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withFileLock } from '../audit/file-lock';

/** A code held by an approval in flight. */
export interface MfaReservedStep {
  readonly id: string;
  readonly step: number;
  readonly until: number;
  /** The enrolment the code belongs to (its secret's iv): a commit after a re-enrolment leaves the new one alone. */
  readonly iv: string;
}

/** One person's MFA state: the sealed TOTP secret and what protects it. Nothing in it is a secret in clear. */
export interface MfaRecord {
  /** AES-256-GCM iv, tag and ciphertext of the TOTP secret (base64). */
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
  /** The last used TOTP time step: a code at or before it is a replay. */
  readonly lastStep: number;
  /** When refused codes were entered (epoch ms), within the lockout window. */
  readonly failures?: readonly number[];
  /** Until then (epoch ms) codes are refused without being checked. */
  readonly lockedUntil?: number;
  /** Codes held by approvals in flight. */
  readonly reserved?: readonly MfaReservedStep[];
}

/** What an update decided: the record to store (none = unchanged) and the answer for the caller. */
export interface MfaUpdate<T> {
  readonly next?: MfaRecord;
  readonly value: T;
}

/**
 * Where MFA records are kept. `update` gives `fn` the person's record with nobody else — in this process or any
 * other instance — reading or changing it until `fn`'s answer is stored: that is what makes each code single-use.
 */
export interface MfaRecordStore {
  get(userId: string): Promise<MfaRecord | undefined>;
  update<T>(userId: string, fn: (current: MfaRecord | undefined) => MfaUpdate<T> | Promise<MfaUpdate<T>>): Promise<T>;
}

type Store = Record<string, MfaRecord>;

/**
 * MFA records in one JSON file shared by the bot and terminals on one machine: every change is a read-modify-write
 * under a lock file (and a queue within a process); the file is replaced atomically (temp file, fsync, rename).
 */
export function createFileMfaRecords(path: string): MfaRecordStore {
  let queue: Promise<unknown> = Promise.resolve();
  const locked = <T>(f: () => Promise<T>): Promise<T> => {
    const cross = () => withFileLock(`${path}.lock`, f);
    const run = queue.then(cross, cross);
    queue = run.catch(() => undefined);
    return run;
  };
  const load = async (): Promise<Store> => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Store;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
  };
  const save = async (store: Store): Promise<void> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const h = await open(tmp, 'wx', 0o600);
      try {
        await h.writeFile(JSON.stringify(store));
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  };
  return {
    get: async (userId) => (await load())[userId],
    update: (userId, fn) =>
      locked(async () => {
        const store = await load();
        const { next, value } = await fn(store[userId]);
        if (next) await save({ ...store, [userId]: next });
        return value;
      }),
  };
}
