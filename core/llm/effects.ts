import { COMMANDS } from '../commands/catalog';
import type { CommandSpec } from '../commands/spec';

/**
 * What running a command does, decided by code from the catalog, never by the model:
 * - `write` changes infrastructure (catalog `writes: true`): always preview + approval;
 * - `decision` changes an operation's course (approve, reject, cancel, pause, resume, abort): a person must run it, never automatically;
 * - `read` changes nothing: may run at once where the configuration allows, and is all diagnosis may call.
 */
export type Effect = 'write' | 'decision' | 'read';

/**
 * The catalog marks approve/reject/cancel and a rollout's pause/resume/abort `writes: false` (they change no
 * infrastructure themselves), yet they steer operations, so they are kept out of everything that runs without a
 * person's explicit choice.
 */
const DECISIONS: ReadonlySet<string> = new Set([
  'approve',
  'reject',
  'cancel',
  'rollout-pause',
  'rollout-resume',
  'rollout-abort',
]);

export function effectOf(spec: Pick<CommandSpec, 'name' | 'writes'>): Effect {
  if (spec.writes) return 'write';
  return DECISIONS.has(spec.name) ? 'decision' : 'read';
}

/** Names of the commands a read-only tool loop may call. `help` is left out: it tells nothing about the world. */
export function readOnlyCommandNames(): string[] {
  return (COMMANDS as readonly CommandSpec[])
    .filter((c) => effectOf(c) === 'read' && c.name !== 'help')
    .map((c) => c.name);
}
