/** Kinds of parameter a command takes. Each kind has one validator, shared by the grammar and the LLM schema. */
export type ParamKind =
  | 'environment'
  | 'stack'
  | 'service'
  | 'release'
  | 'pod'
  | 'object'
  | 'version'
  | 'path'
  | 'operation'
  | 'rollout-operation'
  | 'count'
  | 'text'
  | 'command-name'
  | 'user';

/** One parameter slot in a command's pattern. */
export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly description: string;
  /** Optional parameters may be left out at the end of the input. */
  readonly optional?: boolean;
}

/**
 * One command: the single source of truth for the grammar, the help text and (later) the tool schema handed
 * to a language model. `pattern` mixes literal words and `{param}` slots, e.g. `deploy stack {stack} to {env}`.
 */
export interface CommandSpec<N extends string = string> {
  readonly name: N;
  readonly pattern: string;
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  readonly examples: readonly string[];
  /** True when the command changes the world: it always goes through preview and approval. */
  readonly writes: boolean;
  /** Other ways people phrase the same command (alternative patterns with the same slots). */
  readonly aliases?: readonly string[];
}
