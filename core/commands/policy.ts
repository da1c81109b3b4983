import type { EnvironmentName } from '../environments';
import { environmentOfOperation } from '../operation-id';
import { reapRefusal } from '../cost/idle';
import { COMMANDS } from './catalog';
import type { CommandSpec, Effect } from './spec';
import type { Command, KubeReadCommand } from './types';

const BY_NAME: ReadonlyMap<string, CommandSpec> = new Map((COMMANDS as readonly CommandSpec[]).map((c) => [c.name, c]));

/** The catalog entry of a command name, if there is one. */
export const specNamed = (name: string): CommandSpec | undefined => BY_NAME.get(name);

/** The catalog entry of a parsed command (always there: commands are made from the catalog). */
export function specFor(c: Pick<Command, 'name'>): CommandSpec {
  const spec = BY_NAME.get(c.name);
  if (!spec) throw new Error(`no catalog entry for command '${c.name}'`);
  return spec;
}

export const effectOfCommand = (c: Pick<Command, 'name'>): Effect => specFor(c).effect;

/** True for the commands the catalog says a Kubernetes or helm read serves. */
export const isKubeRead = (c: Command): c is KubeReadCommand => specFor(c).serves === 'kube-read';

/** The names of the commands that only configured users may run although they change nothing (sensitive reads). */
export const sensitiveReadNames = (): string[] =>
  (COMMANDS as readonly CommandSpec[])
    .filter((c) => c.effect === 'read' && c.access === 'known-users')
    .map((c) => c.name);

/** Environment a command acts on, when it acts on one (its `env` slot, or the environment in its operation id). */
export function environmentOf(c: Command): EnvironmentName | undefined {
  if ('env' in c) return c.env;
  if ('op' in c) return environmentOfOperation(c.op);
  return undefined;
}

/** Who is asking, as the policy sees them. `approverIn`: where they are an approver (for proposals only). */
export interface Caller {
  readonly userId: string;
  /** How the person is named to them (their Slack or OS name); the user id when absent. */
  readonly displayName?: string;
  /** Configured under `users:` in the worker's config. */
  readonly known: boolean;
  readonly approverIn?: readonly EnvironmentName[];
  /** `schedule`: a scheduled check (no person; core/requester.ts `via: 'schedule'`), which may run reads only. */
  readonly via?: 'cli' | 'slack' | 'schedule';
}

/** Why a command is refused to a caller: the kind (for tests and audit) and the sentence people read. */
export interface Refusal {
  readonly kind: 'unknown-user' | 'sensitive-read' | 'not-an-approver' | 'schedule-not-read' | 'dev-only';
  readonly message: string;
}

/**
 * The one permission rule, applied by the dispatcher for every front end (terminal, Slack, a proposal's Run) and
 * by the language front door before it offers a command: writes and decisions need a configured user; so do the
 * reads the catalog marks sensitive. Whether someone may approve in an environment is the workflow's check (it
 * holds the approval policy); `approverIn` is only used to avoid offering an approve that would be refused.
 */
export function checkPermission(c: Command, caller: Caller): Refusal | undefined {
  const spec = specFor(c);
  // The reaper is DEV only in code, for everyone and every path (typed, proposed, a button), before anything else.
  if (spec.serves === 'reap') {
    const refusal = reapRefusal(environmentOf(c) ?? '');
    if (refusal) return { kind: 'dev-only', message: refusal };
  }
  if (caller.via === 'schedule') {
    // A schedule is configured by the platform team in the worker's config, so it may run the sensitive reads it
    // was set up for (drift all); it is nobody, so it may never change anything or decide anything.
    return spec.effect === 'read'
      ? undefined
      : {
          kind: 'schedule-not-read',
          message: `${caller.displayName ?? caller.userId} is a scheduled check, so ${c.name} is refused: schedules run reads only; a change needs a person and an approval`,
        };
  }
  if (!caller.known && spec.effect !== 'read') {
    return {
      kind: 'unknown-user',
      message:
        (spec.effect === 'decision'
          ? `${caller.userId} may not ${c.name.replace(/^rollout-/, '')} in this environment: `
          : '') +
        `${caller.displayName ?? caller.userId} is not a known user, so ${c.name} is refused (read-only commands still work): ` +
        `it ${spec.effect === 'write' ? 'changes infrastructure' : 'steers an operation'}, which needs someone in infra-agent's user list, ` +
        'so you can only run read-only commands (help, list, status, audit, pods, events, …; pod logs and describe need a known user). ' +
        'Ask the platform team to add you under users: in the config.',
    };
  }
  if (!caller.known && spec.access === 'known-users') {
    return {
      kind: 'sensitive-read',
      message:
        spec.sensitive ??
        `\`${c.name}\` is for people in infra-agent's user list; yours is not. Ask the platform team to add you.`,
    };
  }
  if (c.name === 'approve' && caller.approverIn) {
    const env = environmentOf(c);
    if (env && !caller.approverIn.includes(env))
      return { kind: 'not-an-approver', message: `${caller.userId} is not an approver in ${env}` };
  }
  return undefined;
}
