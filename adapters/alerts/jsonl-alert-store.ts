import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AlertRecord, AlertStore } from '../../core/alerts/alert';

/**
 * Alert state as JSON lines (one record per change, the last one per key wins), like the audit log: survives
 * restarts, readable with `tail`, and a torn last line (a crash mid-write) is skipped, not fatal. Changes are
 * serialised in this process; one worker process owns the file (the worker runs the alert activities).
 */
export function createJsonlAlertStore(path: string): AlertStore {
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => undefined);
    return next;
  };
  const readAll = async (): Promise<Map<string, AlertRecord>> => {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    const latest = new Map<string, AlertRecord>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as AlertRecord;
        if (typeof r.key === 'string') latest.set(r.key, r);
      } catch {
        /* a torn line from a crash mid-append: the record before it still stands */
      }
    }
    return latest;
  };
  return {
    get: (key) => serial(async () => (await readAll()).get(key)),
    list: () => serial(async () => [...(await readAll()).values()]),
    put: (record) =>
      serial(async () => {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // A line starts on a line of its own even after a torn write.
        await appendFile(path, `\n${JSON.stringify(record)}\n`, { mode: 0o600 });
      }),
  };
}
