import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from '../core/commands/parse';
import type { ParseContext } from '../core/commands/parse';
import { commandLine } from '../core/commands/tool-schema';
import type { Interpretation } from '../core/llm/interpretation';

/** What a labelled request should become: command lines in order, or one of the non-command outcomes. */
export type Expected = readonly string[] | 'refuse' | 'clarify' | 'diagnose';

/** One labelled request of eval/router-cases.jsonl. */
export interface RouterCase {
  readonly id: string;
  readonly category: string;
  readonly text: string;
  readonly expect: Expected;
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
  return i.kind === 'proposals' ? i.proposals.map((p) => p.line) : i.kind;
}

export const same = (a: string[] | string, b: string[] | string): boolean => JSON.stringify(a) === JSON.stringify(b);
