/**
 * The language model's wire-neutral message shapes: what workflows and activities exchange (JSON-safe, so
 * they can be recorded in Temporal history). The Bedrock adapter maps them to and from Converse.
 */

/** A tool call the model asked for. `input` is untrusted until validated against the command grammar. */
export interface ModelToolUse {
  readonly toolUseId: string;
  readonly name: string;
  readonly input: unknown;
}

/** What a tool returned, sent back to the model. `json` is world data, never instructions. */
export interface ModelToolResult {
  readonly toolUseId: string;
  readonly status: 'success' | 'error';
  readonly json: Readonly<Record<string, unknown>>;
}

export type ModelContent =
  { readonly text: string } | { readonly toolUse: ModelToolUse } | { readonly toolResult: ModelToolResult };

export interface ModelMessage {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ModelContent[];
}

/** One tool the model may call (Converse `toolSpec`). */
export interface ModelTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: { readonly json: Readonly<Record<string, unknown>> };
}

/** Inference parameters from the configuration. */
export interface InferenceSettings {
  readonly maxTokens: number;
  readonly temperature: number;
}

/** One Converse call. */
export interface ModelRequest {
  readonly system: string;
  readonly messages: readonly ModelMessage[];
  readonly tools: readonly ModelTool[];
  readonly inference: InferenceSettings;
}

/** Tokens and time one call (or a whole request) used; recorded in the audit trail. */
export interface ModelUsage {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly latencyMs: number;
}

/** The model's answer to one call. */
export interface ModelResponse {
  readonly message: ModelMessage;
  readonly stopReason: string;
  readonly usage: ModelUsage;
}

export const NO_USAGE: ModelUsage = { calls: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0 };

export function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    latencyMs: a.latencyMs + b.latencyMs,
  };
}

export const toolUsesOf = (m: ModelMessage): ModelToolUse[] =>
  m.content.flatMap((c) => ('toolUse' in c ? [c.toolUse] : []));

export const textOf = (m: ModelMessage): string =>
  m.content
    .flatMap((c) => ('text' in c ? [c.text] : []))
    .join('\n')
    .trim();
