import { ALERT_KEY, SCHEDULED_CHECKS, SNOOZES } from '../alerts/alert';
import { COST_PERIODS } from '../cost/period';
import { REAP_RESOURCE_ID } from '../cost/idle';
import { ENVIRONMENTS } from '../environments';
import { COMMANDS } from './catalog';
import { IMAGE_REF } from '../security/image-ref';
import { FINDING_ID, WAIVER_ID } from '../security/waivers';
import { OBJECT_REF } from './objects';
import { OPERATION_ID, ROLLOUT_OPERATION_ID } from '../operation-id';
import { POD_NAME, VERSION } from './parse';
import type { CommandSpec, ParamKind, ParamSpec } from './spec';
import type { Command } from './types';

/** A JSON Schema fragment (the subset Converse tool input schemas use). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * One tool in Converse's `toolConfig.tools[].toolSpec` shape, generated from a command's spec so that the
 * grammar, `help` and the model all read the same description.
 */
export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: { readonly json: JsonSchema };
}

/** What the schema needs to know about the deployment (the same facts the parser gets). */
export interface ToolSchemaContext {
  readonly stacks: readonly string[];
  readonly services?: readonly string[];
  readonly releases?: readonly string[];
}

const PATH_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}$';

function paramSchema(kind: ParamKind, ctx: ToolSchemaContext): JsonSchema {
  switch (kind) {
    case 'environment':
      return { type: 'string', enum: [...ENVIRONMENTS] };
    case 'stack':
      return { type: 'string', enum: [...ctx.stacks] };
    case 'service':
      return { type: 'string', enum: [...(ctx.services ?? [])] };
    case 'release':
      return { type: 'string', enum: [...(ctx.releases ?? [])] };
    case 'pod':
      return { type: 'string', pattern: POD_NAME.source, maxLength: 253 };
    case 'object':
      return { type: 'string', pattern: OBJECT_REF.source, maxLength: 264 };
    case 'version':
      return { type: 'string', pattern: VERSION.source };
    case 'image':
      return { type: 'string', pattern: IMAGE_REF.source, maxLength: 255 };
    case 'rollout-operation':
      return { type: 'string', pattern: ROLLOUT_OPERATION_ID.source };
    case 'path':
      return { type: 'string', pattern: PATH_PATTERN };
    case 'operation':
      return { type: 'string', pattern: OPERATION_ID.source };
    case 'period':
      return { type: 'string', enum: [...COST_PERIODS] };
    case 'count':
      return { type: 'integer', minimum: 1, maximum: 1000 };
    case 'text':
      return { type: 'string', minLength: 1, maxLength: 500 };
    case 'finding':
      return { type: 'string', pattern: FINDING_ID.source, maxLength: 40 };
    case 'duration':
      return { type: 'string', pattern: '^[0-9]{1,4}[mhd]$' };
    case 'waiver':
      return { type: 'string', pattern: WAIVER_ID.source };
    case 'check':
      return { type: 'string', enum: [...SCHEDULED_CHECKS] };
    case 'alert':
      return { type: 'string', pattern: ALERT_KEY.source };
    case 'snooze':
      return { type: 'string', enum: [...SNOOZES] };
    case 'command-name':
    case 'user':
      return { type: 'string', pattern: '^[a-z][a-z0-9-]{0,40}$' };
    case 'resource':
      return { type: 'string', pattern: REAP_RESOURCE_ID.source };
  }
}

/** The Converse tool for one command: name = command name, description = summary + examples + effect. */
export function toolSpecOf(spec: CommandSpec, ctx: ToolSchemaContext): ToolSpec {
  const properties: Record<string, JsonSchema> = {};
  for (const p of spec.params) properties[p.name] = { ...paramSchema(p.kind, ctx), description: p.description };
  const effect =
    spec.effect === 'write' ? ' Changes infrastructure: always shown as a preview and needs approval.' : '';
  return {
    name: spec.name,
    description: `${spec.summary}.${effect} Command form: \`${spec.pattern}\`. Examples: ${spec.examples.join('; ')}`,
    inputSchema: {
      json: {
        type: 'object',
        properties,
        required: spec.params.filter((p) => !p.optional).map((p) => p.name),
        additionalProperties: false,
      },
    },
  };
}

/** Tools for the commands `include` accepts (e.g. only read-only ones for diagnosis), in catalog order. */
export function toolSpecs(ctx: ToolSchemaContext, include: (spec: CommandSpec) => boolean = () => true): ToolSpec[] {
  return (COMMANDS as readonly CommandSpec[]).filter(include).map((s) => toolSpecOf(s, ctx));
}

/** The catalog entry for a command name, if any. */
export function specOf(name: string): CommandSpec | undefined {
  return (COMMANDS as readonly CommandSpec[]).find((c) => c.name === name);
}

const slotValue = (p: ParamSpec, v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/**
 * Renders arguments into the command's canonical line (its main pattern). The line is then parsed by the
 * grammar: a proposal is only ever as good as the command a person could have typed.
 */
export function renderCommandLine(spec: CommandSpec, args: Readonly<Record<string, unknown>>): string {
  return spec.pattern
    .split(' ')
    .flatMap((part) => {
      const slot = /^\{(\w+)\}$/.exec(part)?.[1];
      if (!slot) return [part];
      const param = spec.params.find((p) => p.name === slot);
      const value = param ? slotValue(param, args[slot]) : undefined;
      return value === undefined ? [] : [value];
    })
    .join(' ');
}

/** The canonical line of a typed command, e.g. `deploy stack vpc to dev`. */
export function commandLine(c: Command): string {
  const spec = specOf(c.name);
  return spec ? renderCommandLine(spec, c) : c.name;
}
