import { COMMANDS } from '../commands/catalog';
import type { CommandSpec, Effect } from '../commands/spec';

export type { Effect } from '../commands/spec';

/** What running a command does: the catalog's `effect` (core/commands/spec.ts), never a model's opinion. */
export function effectOf(spec: Pick<CommandSpec, 'effect'>): Effect {
  return spec.effect;
}

/** Names of the commands a read-only tool loop may call. `help` is left out: it tells nothing about the world. */
export function readOnlyCommandNames(): string[] {
  return (COMMANDS as readonly CommandSpec[])
    .filter((c) => effectOf(c) === 'read' && c.serves !== 'help')
    .map((c) => c.name);
}
