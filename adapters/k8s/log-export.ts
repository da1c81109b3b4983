import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogsRequest } from '../../core/k8s/request';
import {
  EXPORT_RETENTION_MS,
  MAX_EXPORT_BYTES,
  MAX_EXPORT_LINES,
  exportFileName,
  newestPart,
} from '../../core/k8s/log-export';
import type { RunCommand } from '../cli/run-command';
import { toolFailure } from './errors';
import type { KubeTarget } from './target';

/** A pod's whole log (its newest MAX_EXPORT_LINES / MAX_EXPORT_BYTES), with its size and digest. */
export interface FullLog {
  readonly text: string;
  readonly lines: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly capped: boolean;
}

/**
 * Reads a pod's log with kubectl (streaming a large log to a bounded buffer is what the CLI does well). The
 * kubeconfig and context come from the target only; the pod, namespace and container were validated by the agent.
 */
export async function fetchFullLog(
  props: { run: RunCommand; bin: string; timeoutMs?: number },
  target: KubeTarget,
  r: Pick<LogsRequest, 'namespace' | 'pod' | 'container'> & { previous?: boolean },
  signal?: AbortSignal,
): Promise<FullLog> {
  // kubectl prints the oldest of the tailed lines first, so an overflowing buffer would keep the wrong end: when the
  // tail does not fit, ask again for fewer lines until the newest ones do.
  let tail = MAX_EXPORT_LINES;
  for (;;) {
    const res = await props.run({
      file: props.bin,
      args: [
        '--kubeconfig',
        target.kubeconfig,
        '--context',
        target.context,
        'logs',
        r.pod,
        '--namespace',
        r.namespace,
        ...(r.container ? ['--container', r.container] : []),
        '--tail',
        String(tail),
        ...(r.previous ? ['--previous'] : []),
      ],
      timeoutMs: props.timeoutMs ?? 120_000,
      maxOutputBytes: MAX_EXPORT_BYTES * 2,
      ...(signal ? { signal } : {}),
    });
    if (res.exitCode !== 0 && !res.truncated) throw toolFailure('kubectl', 'logs', res);
    if (res.truncated && tail > 100) {
      tail = Math.floor(tail / 4);
      continue;
    }
    const part = newestPart(res.stdout);
    return {
      text: part.text,
      lines: part.lines,
      bytes: Buffer.byteLength(part.text, 'utf8'),
      sha256: createHash('sha256').update(part.text, 'utf8').digest('hex'),
      // As many lines as asked for: there may have been more.
      capped: part.capped || tail < MAX_EXPORT_LINES || res.truncated || part.lines >= tail,
    };
  }
}

/**
 * Writes the log under `dir` readable by the worker's user only, and deletes exports older than the retention.
 * Returns the file's path.
 */
export async function writeLogFile(
  dir: string,
  namespace: string,
  pod: string,
  text: string,
  nowMs: number = Date.now(),
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await pruneOld(dir, nowMs);
  const path = join(dir, exportFileName(namespace, pod, nowMs));
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

async function pruneOld(dir: string, nowMs: number): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.log')) continue;
    const path = join(dir, name);
    try {
      if (nowMs - (await stat(path)).mtimeMs > EXPORT_RETENTION_MS) await unlink(path);
    } catch {
      // Removed by a concurrent export: nothing to do.
    }
  }
}
