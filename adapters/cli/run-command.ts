import { spawn } from 'node:child_process';

/** One command-line invocation. Always an argument array: nothing ever goes through a shell. */
export interface RunCommandInput {
  /** Absolute path or bare name of the executable (resolved on PATH). */
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Extra environment; merged over a minimal inherited environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Data written to stdin, then stdin is closed. */
  readonly stdin?: string;
  /** Kill the process after this many ms. Default 120000. */
  readonly timeoutMs?: number;
  /** Cap on captured stdout/stderr bytes each; the rest is dropped and `truncated` set. Default 8 MiB. */
  readonly maxOutputBytes?: number;
  /** Aborting kills the process (used for Temporal activity cancellation). */
  readonly signal?: AbortSignal;
}

/** What a finished command produced. A non-zero exit code is a result, not an exception. */
export interface RunCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly durationMs: number;
}

/** The seam around child processes: tests and callers depend on this type, not on child_process. */
export type RunCommand = (input: RunCommandInput) => Promise<RunCommandResult>;

/** Raised when the executable cannot be started at all; the message says how to get it. */
export class CommandNotFoundError extends Error {
  override readonly name = 'CommandNotFoundError';
  constructor(
    readonly file: string,
    readonly hint: string,
  ) {
    super(`unable to run '${file}': is it installed? ${hint}`);
  }
}

/** Raised when a command outlives its timeout or is cancelled. */
export class CommandTimeoutError extends Error {
  override readonly name = 'CommandTimeoutError';
  constructor(
    readonly file: string,
    readonly timeoutMs: number,
  ) {
    super(`'${file}' did not finish within ${timeoutMs} ms and was killed`);
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * Creates the real RunCommand. `hints` maps an executable's base name to the text shown when it is
 * missing (e.g. "run: bash sandbox/bootstrap.sh helm, or set HELM_BIN").
 */
export function createRunCommand(hints: Readonly<Record<string, string>> = {}): RunCommand {
  return (input) =>
    new Promise<RunCommandResult>((resolve, reject) => {
      const started = Date.now();
      const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const cap = input.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
      const child = spawn(input.file, [...input.args], {
        cwd: input.cwd,
        env: { ...process.env, ...input.env },
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: input.signal,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let truncated = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (b: Buffer) => {
        if (outBytes + b.length > cap) truncated = true;
        else out.push(b);
        outBytes += b.length;
      });
      child.stderr.on('data', (b: Buffer) => {
        if (errBytes + b.length > cap) truncated = true;
        else err.push(b);
        errBytes += b.length;
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'ENOENT') {
          const base = input.file.split('/').pop() ?? input.file;
          reject(new CommandNotFoundError(input.file, hints[base] ?? 'check PATH'));
        } else if (e.name === 'AbortError') {
          reject(new CommandTimeoutError(input.file, Date.now() - started));
        } else reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new CommandTimeoutError(input.file, timeoutMs));
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          truncated,
          durationMs: Date.now() - started,
        });
      });
      child.stdin.on('error', () => undefined);
      if (input.stdin !== undefined) child.stdin.end(input.stdin);
      else child.stdin.end();
    });
}
