import type { ParseContext } from '../commands/parse';
import { ENVIRONMENTS } from '../environments';
import type { EnvironmentName } from '../environments';
import type { Entities } from './entities';

/** A command the matcher is confident about, as tool-call style arguments (judged like a model's). */
export interface Candidate {
  readonly name: string;
  readonly args: Readonly<Record<string, string | number>>;
}

/** The deterministic matcher's reading of free text. */
export type NearMiss =
  | { readonly kind: 'candidates'; readonly candidates: readonly Candidate[] }
  | { readonly kind: 'clarify'; readonly question: string; readonly suggestions: readonly string[] }
  | { readonly kind: 'diagnose'; readonly question: string };

export const clarify = (question: string, suggestions: readonly string[]): NearMiss => ({
  kind: 'clarify',
  question,
  suggestions,
});

/** Entities but no verb: ask what to do with them. */
export function noVerb(e: Entities, ctx: ParseContext): NearMiss {
  const stack = e.stacks[0];
  const env = e.envs[0];
  if (stack && env)
    return clarify(`what should I do with ${stack} in ${env}?`, [
      `status stack ${stack} ${env}`,
      `deploy stack ${stack} to ${env}`,
    ]);
  if (e.ops[0]) return clarify(`what should I do with ${e.ops[0]}?`, [`status ${e.ops[0]}`, `approve ${e.ops[0]}`]);
  return clarify('I did not understand that; try one of these, or type help.', [
    `deploy stack ${ctx.stacks[0] ?? 'vpc'} to dev`,
    'list',
    'help',
  ]);
}

/** Fills a verb's command from the entities, or asks for what is missing (never guesses a stack or environment). */
export function build(verb: string, e: Entities, ctx: ParseContext): Candidate[] | NearMiss {
  const stacks = e.stacks;
  switch (verb) {
    case 'deploy':
    case 'delete': {
      const name = `${verb}-stack`;
      const envs = verb === 'delete' && e.envs.length === 0 ? e.fromEnvs : e.envs;
      const pattern =
        verb === 'deploy'
          ? (s: string, v: string) => `deploy stack ${s} to ${v}`
          : (s: string, v: string) => `delete stack ${s} from ${v}`;
      if (stacks.length === 0) {
        const unknown = e.unknownTargets[0];
        return clarify(
          `which stack?${unknown ? ` '${unknown}' is not in the catalog;` : ''} known stacks: ${ctx.stacks.join(', ')}`,
          ctx.stacks.slice(0, 3).map((s) => pattern(s, envs[0] ?? 'dev')),
        );
      }
      if (envs.length === 0) return askEnv(stacks[0] ?? '', (v) => pattern(stacks[0] ?? '', v));
      return stacks.flatMap((stack) => envs.map((env) => ({ name, args: { stack, env } })));
    }
    case 'status': {
      if (e.ops.length) return e.ops.map((op) => ({ name: 'operation-status', args: { op } }));
      if (stacks.length && e.envs.length)
        return stacks.flatMap((stack) => e.envs.map((env) => ({ name: 'stack-status', args: { stack, env } })));
      if (stacks[0]) return askEnv(stacks[0], (v) => `status stack ${stacks[0] ?? ''} ${v}`);
      return [{ name: 'list', args: {} }];
    }
    case 'validate': {
      const targets = [...e.paths, ...stacks];
      if (targets.length === 0)
        return clarify(
          'validate which template or stack?',
          ctx.stacks.slice(0, 3).map((s) => `validate ${s}`),
        );
      return targets.map((path) => ({ name: 'validate', args: { path } }));
    }
    case 'approve':
    case 'cancel':
    case 'reject': {
      const ops = e.ops.length ? e.ops : stacks.flatMap((s) => e.envs.map((env) => `stack/${env}/${s}`));
      if (ops.length === 0) return clarify(`${verb} which operation? ids look like stack/dev/vpc (see list)`, ['list']);
      if (verb !== 'reject') return ops.map((op) => ({ name: verb, args: { op } }));
      if (!e.reason) return clarify(`why reject ${ops[0] ?? ''}? say: reject ${ops[0] ?? ''} because <reason>`, []);
      return ops.map((op) => ({ name: 'reject', args: { op, reason: e.reason ?? '' } }));
    }
    case 'list':
      return [{ name: 'list', args: {} }];
    case 'audit':
      return [{ name: 'audit', args: { n: e.counts[0] ?? 20 } }];
    case 'whoami':
      if (e.envs.length === 0) return askEnv('', (v) => `whoami ${v}`);
      return e.envs.map((env) => ({ name: 'whoami', args: { env } }));
    default:
      return [{ name: 'help', args: {} }];
  }
}

function askEnv(what: string, line: (env: EnvironmentName) => string): NearMiss {
  return clarify(`which environment${what ? ` for ${what}` : ''}: ${ENVIRONMENTS.join(', ')}?`, ENVIRONMENTS.map(line));
}
