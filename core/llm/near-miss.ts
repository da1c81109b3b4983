import type { ParseContext } from '../commands/parse';
import { tokenize } from '../commands/parse';
import type { Candidate, NearMiss } from './candidates';
import { build, clarify, noVerb } from './candidates';
import { extractEntities } from './entities';
import { PHRASES, matchVerb } from './vocabulary';

export type { Candidate, NearMiss } from './candidates';

// Lookarounds instead of \b so that words inside ids and paths (`stack/dev/my-app`) are never removed.
const FILLER =
  /(?<![\w/.-])(please|pls|plz|kindly|can you|could you|would you|will you|i want to|i'd like to|i would like to|i need to|we need to|let's|lets|hey|hi|hello|bot|infra-agent|now|asap|right away|quickly|for me|help me|go ahead and|just|thanks|thank you|the|a|an|our|my|me|up)(?![\w/.-])/g;
const QUESTION = /^(why\b|how come\b|what(?:'s| is) (?:wrong|broken|failing|up with)|whats wrong)/;
const TROUBLE = /\b(failing|failed|broken|stuck|crash\w*|not working|errors?|rolled back|unhealthy|down)\b/;
const NEGATION = /\b(don't|dont|do not|never|no need to)\b/;

/** Verb classes in the order they win when a clause mentions several: reads before decisions before writes. */
const PRIORITY = [
  'help',
  'rollout-status',
  'diff',
  'describe',
  'status',
  'audit',
  'pods',
  'deployments',
  'events',
  'whoami',
  'list',
  'approve',
  'reject',
  'cancel',
  'pause',
  'resume',
  'validate',
  'deploy',
  'rollback',
  'delete',
];
/** Generic words that mean `status` only when nothing more specific is said. */
const GENERIC = new Set(['show', 'check', 'inspect', 'info', 'details', 'get', 'see', 'look']);
const STRONG_STATUS = new Set(['status', 'state', 'progress', 'health', 'stat']);

function normalize(text: string): string {
  let s = tokenize(text.toLowerCase().replace(/[’‘]/g, "'"))
    .join(' ')
    .replace(/[!?]+/g, ' ')
    .replace(/(\s|^)\.+|\.+(\s|$)/g, ' ');
  for (const [re, word] of PHRASES) s = s.replace(re, word);
  return s.replace(FILLER, ' ').replace(/\s+/g, ' ').trim();
}

/** Splits "deploy vpc to dev then status vpc dev" into clauses; `and`/`,` split only before a new verb. */
function clauses(s: string): string[][] {
  const out: string[][] = [];
  for (const part of s.split(/\s*(?:;|\bthen\b|\bafter that\b|\bafterwards\b|\bfollowed by\b|\bnext\b)\s*/)) {
    let cur: string[] = [];
    const words = part.split(/[\s,]+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? '';
      const isJoin = w === 'and' || w === 'also';
      if (isJoin && i + 1 < words.length && verbOf(words[i + 1] ?? '') && cur.some((x) => verbOf(x))) {
        out.push(cur);
        cur = [];
        continue;
      }
      cur.push(w);
    }
    if (cur.length) out.push(cur);
  }
  return out.filter((c) => c.length > 0);
}

function verbOf(word: string): string | undefined {
  if (GENERIC.has(word)) return 'status';
  return matchVerb(word)?.verb;
}

/** A generic word, or a typo of one ('shwo'): it means `status` only when nothing more specific is said. */
const isGeneric = (word: string): boolean => GENERIC.has(word) || GENERIC.has(matchVerb(word)?.synonym ?? '');

function pickVerb(tokens: readonly string[], used: ReadonlySet<number>): string | undefined {
  const hits = tokens.flatMap((t, i) => {
    if (used.has(i)) return [];
    const v = verbOf(t);
    return v ? [{ v, generic: isGeneric(t), strong: STRONG_STATUS.has(t), i }] : [];
  });
  if (hits.some((h) => h.strong)) return 'status';
  const specific = hits.filter((h) => !h.generic);
  if (tokens.some((t) => /^templates?$/.test(t)) && hits.some((h) => h.generic || h.v === 'validate'))
    return 'validate';
  const pool = specific.length ? specific : hits;
  return pool.sort((a, b) => PRIORITY.indexOf(a.v) - PRIORITY.indexOf(b.v) || a.i - b.i)[0]?.v;
}

/**
 * The deterministic near-miss matcher: synonyms, typos and free word order, with no model. It returns
 * commands only when every slot is filled from the text; otherwise it asks, with lines to pick from.
 */
export function matchNearMiss(text: string, ctx: ParseContext): NearMiss {
  const s = normalize(text);
  if (NEGATION.test(s)) return clarify('you said not to do something; what should I do instead?', []);
  const candidates: Candidate[] = [];
  let previousStacks: string[] = [];
  let previousServices: string[] = [];
  for (const tokens of clauses(s)) {
    const probe = extractEntities(tokens, ctx, () => false);
    const verb = pickVerb(tokens, probe.used);
    const e = extractEntities(
      tokens,
      ctx,
      (i) => verbOf(tokens[i] ?? '') === verb && verb !== undefined && !probe.used.has(i),
    );
    // "validate vpc then deploy it to dev": a pronoun refers to the previous clause's stacks (or services).
    const pronoun = tokens.some((t) => t === 'it' || t === 'them');
    if (pronoun && e.stacks.length === 0 && e.services.length === 0) {
      e.stacks.push(...previousStacks);
      e.services.push(...previousServices);
    }
    previousStacks = e.stacks;
    previousServices = e.services;
    if (!verb) {
      if (QUESTION.test(s) || TROUBLE.test(s)) return { kind: 'diagnose', question: text.trim() };
      return noVerb(e, ctx);
    }
    if (QUESTION.test(s)) return { kind: 'diagnose', question: text.trim() };
    const built = build(verb, e, ctx);
    if ('kind' in built) return built;
    candidates.push(...built);
  }
  if (candidates.length === 0) return clarify('I did not understand that; try one of these, or type help.', []);
  return { kind: 'candidates', candidates };
}
