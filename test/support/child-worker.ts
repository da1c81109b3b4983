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
  kill9(): Promise<void>;
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
  while (!out.includes('polling task queue')) {
    if (child.exitCode !== null) throw new Error(`worker exited during start-up:\n${out}`);
    if (Date.now() > deadline) throw new Error(`worker did not start within 90s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: child,
    output: () => out,
    exited,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
