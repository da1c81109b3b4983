import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from '../core/commands/parse';
import type { ParseContext } from '../core/commands/parse';
import { commandLine } from '../core/commands/tool-schema';
import type { Interpretation } from '../core/llm/interpretation';

/**
 * What a labelled request should become: command lines in order, or one of the non-command outcomes.
 * `unsupported`: the words name something infra-agent does not do; the answer says so and proposes nothing.
 */
export type Expected = readonly string[] | 'refuse' | 'clarify' | 'diagnose' | 'unsupported';

/** One labelled request of eval/router-cases.jsonl. */
export interface RouterCase {
  readonly id: string;
  readonly category: string;
  readonly text: string;
  readonly expect: Expected;
  /**
   * For a `clarify` label: the commands (catalog names, e.g. `deploy-stack`) the question may offer. Any other
   * command offered is a different command than the one asked for. Without it, suggestions are not judged.
   */
  readonly offer?: readonly string[];
}

export function loadCases(file = join(__dirname, 'router-cases.jsonl')): RouterCase[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const c = JSON.parse(l) as RouterCase;
      if (!c.id || !c.category || typeof c.text !== 'string' || c.expect === undefined)
        throw new Error(`${file}:${i + 1}: each case needs id, category, text and expect`);
      return c;
    });
}

/** The label's command lines in canonical form (so `deploy vpc to dev` and `deploy stack vpc to dev` agree). */
export function canonical(expect: Expected, ctx: ParseContext): string[] | string {
  if (typeof expect === 'string') return expect;
  return expect.map((line) => {
    const p = parseCommand(line, ctx);
    if (!p.ok) throw new Error(`label '${line}' is not a valid command: ${p.error}`);
    return commandLine(p.command);
  });
}

/** An interpretation reduced to what the label can be compared with. */
export function outcomeOf(i: Interpretation): string[] | string {
  if (i.kind === 'clarify' && i.unsupported) return 'unsupported';
  return i.kind === 'proposals' ? i.proposals.map((p) => p.line) : i.kind;
}

/** The command names (`deploy-stack`, `list`…) of command lines; lines the grammar does not parse are kept as text. */
export function commandNames(lines: readonly string[], ctx: ParseContext): string[] {
  return lines.map((l) => {
    const p = parseCommand(l, ctx);
    return p.ok ? p.command.name : `unparsed: ${l}`;
  });
}

/**
 * How a result strays from the command asked for. `routed`: it proposes (would run) a command whose name the
 * label does not contain — any command at all when the label is not a command. `offered`: a question or a
 * failure suggests such a command (judged only when the label says what may be offered: command lines,
 * `offer`, or `unsupported`, which may offer nothing).
 */
export function strayCommands(
  c: RouterCase,
  i: Interpretation,
  ctx: ParseContext,
): { routed: string[]; offered: string[] } {
  const allowed = new Set(Array.isArray(c.expect) ? commandNames(c.expect, ctx) : (c.offer ?? []));
  const judged = Array.isArray(c.expect) || c.offer !== undefined || c.expect === 'unsupported';
  const routed =
    i.kind === 'proposals'
      ? commandNames(
          i.proposals.map((p) => p.line),
          ctx,
        )
      : [];
  const offered = judged && (i.kind === 'clarify' || i.kind === 'unavailable') ? commandNames(i.suggestions, ctx) : [];
  return { routed: routed.filter((n) => !allowed.has(n)), offered: offered.filter((n) => !allowed.has(n)) };
}

export const same = (a: string[] | string, b: string[] | string): boolean => JSON.stringify(a) === JSON.stringify(b);
