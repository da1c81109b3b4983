import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One case's outcome: `problem` says what was wrong (undefined = passed). */
export interface CaseResult {
  readonly group: string;
  readonly name: string;
  readonly problem: string | undefined;
  readonly ms: number;
}

/** Runs cases one at a time and keeps their outcomes; a case that throws fails with its message. */
export class CaseLog {
  readonly results: CaseResult[] = [];

  async run(group: string, name: string, check: () => Promise<string | undefined>): Promise<void> {
    const t0 = Date.now();
    let problem: string | undefined;
    try {
      problem = await check();
    } catch (e) {
      problem = `threw: ${(e as Error).message}`;
    }
    this.results.push({ group, name, problem, ms: Date.now() - t0 });
    if (problem) console.log(`  FAIL [${group}] ${name}: ${problem.slice(0, 400)}`);
  }

  get failed(): CaseResult[] {
    return this.results.filter((r) => r.problem !== undefined);
  }

  /** One line per group: cases, passed, failed, time. */
  groupLines(): string[] {
    const groups = [...new Set(this.results.map((r) => r.group))];
    return groups.map((g) => {
      const rs = this.results.filter((r) => r.group === g);
      const bad = rs.filter((r) => r.problem).length;
      const ms = rs.reduce((s, r) => s + r.ms, 0);
      return `${g}: ${rs.length} cases, ${rs.length - bad} passed, ${bad} failed (${(ms / 1000).toFixed(1)} s)`;
    });
  }
}

/** A mulberry32 generator: the same seed gives the same cases on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic sample of `n` items (all when n ≥ length), in their original order. */
export function sample<T>(items: readonly T[], n: number, rnd: () => number): T[] {
  if (n >= items.length) return [...items];
  const idx = items.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

/** True when the suite runs its bounded CI sample (SUITE_BOUNDED=1 or --bounded). */
export const bounded = (): boolean => process.env.SUITE_BOUNDED === '1' || process.argv.includes('--bounded');

const DOC = join(__dirname, '..', '..', 'docs', 'reliability.md');

/** Replaces the text between `<!-- <name>:start -->` and `<!-- <name>:end -->` in docs/reliability.md. */
export function writeDocSection(name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Reliability\n';
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next =
    i >= 0 && j > i ? `${text.slice(0, i)}${block}${text.slice(j + end.length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, next);
}
