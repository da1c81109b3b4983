/** Kinds of parameter a command takes. Each kind has one validator, shared by the grammar and the LLM schema. */
export type ParamKind =
  | 'environment'
  | 'stack'
  | 'service'
  | 'release'
  | 'pod'
  | 'object'
  | 'version'
  | 'image'
  | 'path'
  | 'period'
  | 'operation'
  | 'rollout-operation'
  | 'count'
  | 'text'
  | 'command-name'
  | 'user'
  | 'finding'
  | 'duration'
  | 'waiver'
  | 'check'
  | 'alert'
  | 'snooze'
  | 'resource';

/** One parameter slot in a command's pattern. */
export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly description: string;
  /** Optional parameters may be left out at the end of the input. */
  readonly optional?: boolean;
  /** The value an optional parameter takes when left out (the command then always carries it). */
  readonly default?: number | string;
}

/**
 * What running a command does, decided by code from the catalog, never by a model or a front end:
 * - `write` changes infrastructure: always preview + approval by someone else;
 * - `decision` changes an operation's course (approve, reject, cancel, pause, resume, abort): a person must run it,
 *   never automatically;
 * - `read` changes nothing: may run at once where the configuration allows, and is all diagnosis may call.
 */
export type Effect = 'read' | 'write' | 'decision';

/**
 * Who may run a command: `anyone` who can reach the bot (reads that show nothing sensitive), or only `known-users`
 * (people under `users:` in the worker's config). Writes and decisions are always `known-users`: a change needs an
 * identity approvals and the audit trail can name.
 */
export type Access = 'anyone' | 'known-users';

/**
 * What serves a command on the gateway side: the dispatcher (worker/gateway/dispatch.ts) has one handler per kind,
 * so a new command of an existing kind needs no new code there.
 */
export type Serves =
  | 'help'
  | 'whoami'
  | 'stack-operation'
  | 'remediate'
  | 'rollout'
  | 'promotion'
  | 'promotions'
  | 'helm-release'
  | 'decision'
  | 'operation-status'
  | 'list'
  | 'audit'
  | 'stack-status'
  | 'drift'
  | 'verify'
  | 'scan'
  | 'waiver'
  | 'cost'
  | 'idle'
  | 'freezes'
  | 'reap'
  | 'validate'
  | 'kube-read'
  | 'schedules'
  | 'alerts';

/**
 * One command: the single source of truth for the grammar, the help text, the tool schema handed to a language
 * model, and the policy every front end gets from the dispatcher. `pattern` mixes literal words and `{param}`
 * slots, e.g. `deploy stack {stack} to {env}`.
 */
export interface CommandSpec<N extends string = string> {
  readonly name: N;
  readonly pattern: string;
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  readonly examples: readonly string[];
  readonly effect: Effect;
  readonly access: Access;
  readonly serves: Serves;
  /** For `known-users` reads: why the command is not for everyone and what to do (the refusal an unknown person reads). */
  readonly sensitive?: string;
  /**
   * Decisions: the operation outcomes that mean the decision did what was asked (a reject ends `rejected`), so a
   * front end following it reports success. Writes succeed with `succeeded` or `no-changes`.
   */
  readonly succeedsWith?: readonly string[];
  /** Other ways people phrase the same command (alternative patterns with the same slots). */
  readonly aliases?: readonly string[];
}

/** True when the command changes the world: it always goes through preview and approval. */
export const writes = (spec: Pick<CommandSpec, 'effect'>): boolean => spec.effect === 'write';
