import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, 'child-worker-main.ts');

/**
 * A real worker process on a task queue, to kill -9 in durability tests: the production composition plus
 * the fault injection `extraEnv` asks for (child-worker-main.ts), run from source through tsx.
 */
export interface ChildWorker {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** The worker's health server (`/healthz`, `/readyz`, `/metrics`), on a free loopback port. */
  readonly healthUrl: string;
  kill9(): Promise<void>;
  /** SIGTERM: the worker drains; resolves with its exit code (null when a signal ended it). */
  sigterm(): Promise<number | null>;
}

export async function startChildWorker(taskQueue: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildWorker> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', MAIN], {
    env: { ...process.env, INFRA_AGENT_TASK_QUEUE: taskQueue, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!out.includes('polling task queue') || !/health on (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`worker exited during start-up:\n${out}`);
    if (Date.now() > deadline) throw new Error(`worker did not start within 90s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const healthUrl = /health on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  return {
    process: child,
    output: () => out,
    exited,
    healthUrl,
    sigterm: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
