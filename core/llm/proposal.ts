import { MODEL_PATH, parseCommand } from '../commands/parse';
import type { ParseContext } from '../commands/parse';
import { renderCommandLine, specOf } from '../commands/tool-schema';
import type { Command } from '../commands/types';
import { checkPermission, environmentOf } from '../commands/policy';
import { effectOf } from './effects';
import type { Effect } from './effects';
import type { AutoRunPolicy, CallerPermissions, Proposal, RefusedCall } from './interpretation';
import type { ModelToolUse } from './types';

/** Everything needed to judge a proposed tool call, all plain data. */
export interface ProposalContext extends ParseContext {
  readonly permissions: CallerPermissions;
  readonly autoRun: AutoRunPolicy;
  /** Only these effects are acceptable at all (diagnosis: reads only). Default: all. */
  readonly allowedEffects?: readonly Effect[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns one model tool call into a proposal, or says why not. The call is rendered back into a command line
 * and parsed by the same grammar a person's typing goes through; then the caller's permissions are checked.
 */
export function judgeToolUse(t: ModelToolUse, ctx: ProposalContext): Proposal | RefusedCall {
  const refuse = (kind: RefusedCall['kind'], reason: string): RefusedCall => ({
    tool: t.name,
    input: t.input,
    kind,
    reason,
  });
  const spec = specOf(t.name);
  if (!spec) return refuse('grammar', `'${t.name}' is not a command`);
  const effect = effectOf(spec);
  if (ctx.allowedEffects && !ctx.allowedEffects.includes(effect))
    return refuse('policy', `${t.name} is not a read-only command; only reads may be used here`);
  if (!isRecord(t.input)) return refuse('grammar', 'the arguments are not an object');
  const unknown = Object.keys(t.input).filter((k) => !spec.params.some((p) => p.name === k));
  if (unknown.length) return refuse('grammar', `unknown argument(s): ${unknown.join(', ')}`);
  for (const p of spec.params) {
    const v = t.input[p.name];
    // Slot values must be single words (except free text): a value can never smuggle in more of a command.
    if (typeof v === 'string' && p.kind !== 'text' && /\s/.test(v))
      return refuse('grammar', `${p.name}: '${v}' must be a single word`);
    // People may validate any file the worker can read; the model only templates under the infra folder.
    if (typeof v === 'string' && p.kind === 'path' && !MODEL_PATH.test(v))
      return refuse(
        'grammar',
        `${p.name}: '${v}' is not an acceptable path for a proposal (templates under the infra folder only; no '..' or absolute paths)`,
      );
  }
  const line = renderCommandLine(spec, t.input);
  const parsed = parseCommand(line, ctx);
  if (!parsed.ok) return refuse('grammar', `\`${line}\` is not a valid command: ${parsed.error}`);
  if (parsed.command.name !== spec.name) return refuse('grammar', `\`${line}\` reads as a different command`);
  const denied = permissionRefusal(parsed.command, effect, ctx.permissions);
  if (denied) return refuse('permission', denied);
  return {
    command: parsed.command,
    line,
    effect,
    autoRun: effect === 'read' && mayAutoRun(parsed.command, ctx.autoRun),
  };
}

export const isProposal = (x: Proposal | RefusedCall): x is Proposal => 'command' in x;

/** Environment a command acts on, when it acts on one. */
export { environmentOf } from '../commands/policy';

function mayAutoRun(c: Command, policy: AutoRunPolicy): boolean {
  const env = environmentOf(c);
  return env ? policy.environments.includes(env) : policy.unscoped;
}

/**
 * Why the caller may not even be offered this command, or undefined: the catalog's one permission rule
 * (core/commands/policy.ts, which the dispatcher enforces again when the command runs), worded for a proposal.
 */
export function permissionRefusal(c: Command, _effect: Effect, p: CallerPermissions): string | undefined {
  const r = checkPermission(c, p);
  if (!r) return undefined;
  if (r.kind === 'unknown-user')
    return `${p.userId} is not a configured user, so only read-only commands can be offered`;
  if (r.kind === 'sensitive-read')
    return `${p.userId} is not a configured user, and ${c.name} can show secrets logged or configured by mistake`;
  return r.message;
}
