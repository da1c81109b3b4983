import { mkdirSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EnvironmentName } from '../../core/environments';
import type { Waiver, WaiverStore } from '../../core/security/waivers';
import { withFileLock } from '../audit/file-lock';

type Event =
  | { readonly op: 'add'; readonly waiver: Waiver }
  | { readonly op: 'revoke'; readonly id: string; readonly by: string; readonly at: string };

/**
 * Waivers as a JSON-lines file of events (`add`, `revoke`) beside the audit log, as the MFA store keeps its state
 * there: appended under the same kind of cross-process lock file, fsync'd before a call resolves. A line without
 * its newline (a crash mid-append) is ignored on reading and cut off before the next append. The state is the
 * events folded in order; nothing is ever rewritten, so the file is also the waivers' history.
 */
export function createJsonlWaiverStore(path: string): WaiverStore {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;

  async function readState(): Promise<Map<string, Waiver>> {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    const byId = new Map<string, Waiver>();
    const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of whole.split('\n')) {
      if (!line.trim()) continue;
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        throw new Error(`waiver store ${path}: a line is not JSON (${line.slice(0, 60)}…); fix or move the file`);
      }
      if (e.op === 'add' && !byId.has(e.waiver.id)) byId.set(e.waiver.id, e.waiver);
      if (e.op === 'revoke') {
        const w = byId.get(e.id);
        if (w && !w.revokedAt) byId.set(e.id, { ...w, revokedBy: e.by, revokedAt: e.at });
      }
    }
    return byId;
  }

  async function append(event: Event): Promise<void> {
    const h = await open(path, 'a+');
    try {
      const size = (await h.stat()).size;
      // A torn last line (no newline) is cut off first, so the new event starts on a line of its own.
      if (size > 0) {
        const last = Buffer.alloc(1);
        await h.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          const text = await readFile(path, 'utf8');
          await h.truncate(Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
        }
      }
      await h.appendFile(JSON.stringify(event) + '\n');
      await h.sync();
    } finally {
      await h.close();
    }
  }

  const locked = <T>(fn: () => Promise<T>): Promise<T> => withFileLock(lockPath, fn);

  return {
    add: (w) =>
      locked(async () => {
        const existing = (await readState()).get(w.id);
        if (existing) return existing;
        await append({ op: 'add', waiver: w });
        return w;
      }),
    revoke: (id, by, at) =>
      locked(async () => {
        const w = (await readState()).get(id);
        if (!w || w.revokedAt) return w;
        await append({ op: 'revoke', id, by, at });
        return { ...w, revokedBy: by, revokedAt: at };
      }),
    get: async (id) => (await readState()).get(id),
    list: async (environment?: EnvironmentName) =>
      [...(await readState()).values()].filter((w) => !environment || w.environment === environment),
  };
}
