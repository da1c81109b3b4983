import { ALERT_KEY, SCHEDULED_CHECKS, SNOOZES } from '../alerts/alert';
import type { EnvironmentName } from '../environments';
import { COST_PERIOD_HELP, isCostPeriod } from '../cost/period';
import { reapResourceProblem } from '../cost/idle';
import { editDistance } from '../edit-distance';
import { ENVIRONMENTS } from '../environments';
import { canonicalVerb } from '../llm/vocabulary';
import { OPERATION_ID, ROLLOUT_OPERATION_ID } from '../operation-id';
import { imageRefProblem } from '../security/image-ref';
import { findingIdProblem, WAIVER_ID, waiverDuration } from '../security/waivers';
import { COMMANDS } from './catalog';
import type { CommandSpec, ParamKind } from './spec';
import { belongsToService, OBJECT_EXAMPLE, OBJECT_REF, objectRef, serviceObjectExample } from './objects';
import type { Command } from './types';

/**
 * What the parser needs to know about the deployment: which stack, service and release names exist.
 * `services` and `releases` are absent in contexts recorded before those catalogs existed (workflow
 * histories): no names then.
 */
export interface ParseContext {
  readonly stacks: readonly string[];
  readonly services?: readonly string[];
  readonly releases?: readonly string[];
}

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string; readonly suggestions: readonly string[] };

const ENV_SYNONYMS: Readonly<Record<string, EnvironmentName>> = {
  dev: 'dev',
  development: 'dev',
  tst: 'tst',
  test: 'tst',
  prd: 'prd',
  prod: 'prd',
  production: 'prd',
};

/** Operation ids (core/operation-id.ts), re-exported for the grammar's users. */
export { OPERATION_ID, ROLLOUT_OPERATION_ID } from '../operation-id';
/** An image tag (Docker's tag grammar). */
export const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A pod name: a DNS-1123 subdomain of at most 253 characters. */
export const POD_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * What a person may name for `validate`: a catalog stack, a file or folder the worker can read (relative to the
 * infra folder, absolute, or under ~/), or a file shared in Slack (`slack:F0123ABCD`). No spaces or shell syntax.
 */
const PATH = /^(?=.{1,1024}$)(?:slack:F[A-Z0-9]{5,20}|(?:~\/|\/)?[A-Za-z0-9_.@+=,-]+(?:\/[A-Za-z0-9_.@+=,-]*)*)$/;
/** What the language model may propose for a path: a template under the infra folder only (never `..`, never `/`). */
export const MODEL_PATH = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}$/;

/** Splits on whitespace; double or single quotes keep spaces. Leading `/infra` and bot mentions are dropped. */
export function tokenize(input: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of input.matchAll(re)) tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  while (
    tokens[0] &&
    (/^\/infra$/i.test(tokens[0]) || /^<@[A-Z0-9]+>$/.test(tokens[0]) || /^@infra-agent$/i.test(tokens[0]))
  )
    tokens.shift();
  return tokens;
}

type SlotResult = { ok: true; value: string | number } | { ok: false; error: string };

function checkSlot(kind: ParamKind, raw: string, ctx: ParseContext): SlotResult {
  switch (kind) {
    case 'environment': {
      const e = ENV_SYNONYMS[raw.toLowerCase()];
      return e
        ? { ok: true, value: e }
        : { ok: false, error: `'${raw}' is not an environment; use one of ${ENVIRONMENTS.join(', ')}` };
    }
    case 'stack': {
      const s = raw.toLowerCase();
      if (ctx.stacks.includes(s)) return { ok: true, value: s };
      if (ctx.services?.includes(s))
        return {
          ok: false,
          error: `'${raw}' is a service, not a stack: services are rolled out with a version, e.g. rollout ${s} 1.2.3 to dev`,
        };
      return catalogMiss(raw, 'stack', ctx.stacks, 'stacks:');
    }
    case 'service': {
      const s = raw.toLowerCase();
      const known = ctx.services ?? [];
      if (known.includes(s)) return { ok: true, value: s };
      if (ctx.stacks.includes(s))
        return {
          ok: false,
          error: `'${raw}' is a stack, not a service: stacks are deployed with deploy stack ${s} to <env>`,
        };
      return catalogMiss(raw, 'service', known, 'services:');
    }
    case 'release': {
      const s = raw.toLowerCase();
      const known = ctx.releases ?? [];
      return known.includes(s) ? { ok: true, value: s } : catalogMiss(raw, 'release', known, 'releases:');
    }
    case 'pod':
      return POD_NAME.test(raw)
        ? { ok: true, value: raw }
        : {
            ok: false,
            error: `'${raw}' is not a pod name (lower-case letters, digits, '-' and '.', at most 253; see \`pods <service> <env>\`)`,
          };
    case 'object':
      return OBJECT_REF.test(raw)
        ? { ok: true, value: raw }
        : {
            ok: false,
            error: `'${raw}' is not an object to describe; write pod/<name>, deployment/<name> or service/<name>, e.g. ${OBJECT_EXAMPLE}`,
          };
    case 'version':
      return VERSION.test(raw)
        ? { ok: true, value: raw }
        : {
            ok: false,
            error: `'${raw}' is not an image tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'), e.g. 1.4.2`,
          };
    case 'image': {
      const problem = imageRefProblem(raw);
      return problem ? { ok: false, error: problem } : { ok: true, value: raw };
    }
    case 'path':
      return PATH.test(raw)
        ? { ok: true, value: raw }
        : {
            ok: false,
            error: `'${raw}' is not an acceptable path: a stack name, a file or folder path (letters, digits, . _ - / @ + = ,; absolute, ~/ or relative to the infra folder) or slack:<file id>`,
          };
    case 'period': {
      const p = raw.toLowerCase();
      return isCostPeriod(p)
        ? { ok: true, value: p }
        : { ok: false, error: `'${raw}' is not a period; use ${COST_PERIOD_HELP}, e.g. cost dev 7d` };
    }
    case 'operation':
      return OPERATION_ID.test(raw)
        ? { ok: true, value: raw }
        : {
            ok: false,
            error: `'${raw}' is not an operation id; ids look like stack/dev/vpc, rollout/dev/payments-api or helm/dev/sample-app (see \`list\`)`,
          };
    case 'rollout-operation':
      if (ROLLOUT_OPERATION_ID.test(raw)) return { ok: true, value: raw };
      return {
        ok: false,
        error: OPERATION_ID.test(raw)
          ? `'${raw}' is not a rollout; pause, resume and abort apply to rollouts (rollout/<env>/<service>)${raw.startsWith('stack/') ? `; to stop a stack change before it runs: cancel ${raw}` : ''}`
          : `'${raw}' is not a rollout operation id; ids look like rollout/dev/payments-api (see \`list\`)`,
      };
    case 'count': {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1 && n <= 1000
        ? { ok: true, value: n }
        : { ok: false, error: `'${raw}' is not a count from 1 to 1000` };
    }
    case 'finding': {
      const problem = findingIdProblem(raw.toUpperCase());
      return problem ? { ok: false, error: problem } : { ok: true, value: raw.toUpperCase() };
    }
    case 'duration': {
      const d = waiverDuration(raw, 365);
      return typeof d === 'string' ? { ok: false, error: d } : { ok: true, value: raw };
    }
    case 'waiver':
      return WAIVER_ID.test(raw)
        ? { ok: true, value: raw }
        : { ok: false, error: `'${raw}' is not a waiver id; ids look like wv-1a2b3c4d5e (see \`waivers <env>\`)` };
    case 'check':
      return (SCHEDULED_CHECKS as readonly string[]).includes(raw.toLowerCase())
        ? { ok: true, value: raw.toLowerCase() }
        : {
            ok: false,
            error: `'${raw}' is not a scheduled check; the scheduled checks are: ${SCHEDULED_CHECKS.join(', ')} (see \`schedules\`)`,
          };
    case 'alert':
      return ALERT_KEY.test(raw.toLowerCase())
        ? { ok: true, value: raw.toLowerCase() }
        : {
            ok: false,
            error: `'${raw}' is not an alert id; ids look like drift/dev/security-groups, rescan/prd/payments-api or cost/dev/payments-api (check/environment/subject, see \`alerts\`)`,
          };
    case 'snooze':
      return (SNOOZES as readonly string[]).includes(raw.toLowerCase())
        ? { ok: true, value: raw.toLowerCase() }
        : { ok: false, error: `'${raw}' is not a snooze; use ${SNOOZES.join(', ')}` };
    case 'resource': {
      const problem = reapResourceProblem(raw.toLowerCase());
      return problem ? { ok: false, error: problem } : { ok: true, value: raw.toLowerCase() };
    }
    case 'text':
    case 'command-name':
    case 'user':
      return raw.length > 0 && raw.length <= 500
        ? { ok: true, value: raw }
        : { ok: false, error: 'text must be 1 to 500 characters' };
  }
}

function catalogMiss(raw: string, what: string, known: readonly string[], section: string): SlotResult {
  const near = closest(raw.toLowerCase(), known);
  return {
    ok: false,
    error: `'${raw}' is not a known ${what}${near ? ` — did you mean '${near}'?` : '.'} Known ${what}s: ${known.length ? known.join(', ') : `none (add ${section} to the config)`}`,
  };
}

type MatchResult =
  | { kind: 'match'; args: Record<string, string | number> }
  /** `literals`: how many of the pattern's words matched before the slot failed (the better fit, the more). */
  | { kind: 'slot-error'; error: string; literals: number }
  | { kind: 'no-match' };

function matchPattern(spec: CommandSpec, pattern: string, tokens: readonly string[], ctx: ParseContext): MatchResult {
  const parts = pattern.split(' ');
  const args: Record<string, string | number> = {};
  let i = 0;
  let literals = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] ?? '';
    const slot = /^\{(\w+)\}$/.exec(part)?.[1];
    if (!slot) {
      if ((tokens[i] ?? '').toLowerCase() !== part) return { kind: 'no-match' };
      i++;
      literals++;
      continue;
    }
    const param = spec.params.find((x) => x.name === slot);
    if (!param) return { kind: 'no-match' };
    if (i >= tokens.length) {
      if (param.optional) continue;
      return { kind: 'no-match' };
    }
    // A text slot at the end takes the rest of the line.
    const raw = param.kind === 'text' && p === parts.length - 1 ? tokens.slice(i).join(' ') : (tokens[i] ?? '');
    i += param.kind === 'text' && p === parts.length - 1 ? tokens.length - i : 1;
    const checked = checkSlot(param.kind, raw, ctx);
    if (!checked.ok) return { kind: 'slot-error', error: `${param.name}: ${checked.error}`, literals };
    args[param.name] = checked.value;
  }
  return i === tokens.length ? { kind: 'match', args } : { kind: 'no-match' };
}

/** Whether a line of `tokens` words could fill the pattern: as many words, or more when it ends in a text slot. */
function lengthFitsLine(spec: CommandSpec, words: readonly string[], tokens: number): boolean {
  const last = /^\{(\w+)\}$/.exec(words[words.length - 1] ?? '')?.[1];
  const endsInText = last !== undefined && spec.params.find((x) => x.name === last)?.kind === 'text';
  const optional = words.filter((w) => {
    const slot = /^\{(\w+)\}$/.exec(w)?.[1];
    return slot !== undefined && spec.params.find((x) => x.name === slot)?.optional === true;
  }).length;
  return endsInText ? tokens >= words.length : tokens <= words.length && tokens >= words.length - optional;
}

/** Parses one line of input into a typed command, or explains what was not understood and what is close. */
export function parseCommand(input: string, ctx: ParseContext): ParseResult {
  const tokens = tokenize(input.trim());
  if (tokens.length === 0)
    return { ok: false, error: 'empty request', suggestions: COMMANDS.slice(0, 4).map((c) => c.examples[0]) };
  // The error of the pattern that fits best: most literal words matched, then a pattern as long as the line, then
  // the first one. In `rollout status paymnts-api dev` the service is wrong, not a version of a service called
  // 'status'; in `pause stack/dev/vpc` the op is wrong (`pause {op}`), not a check of `pause {check} schedule {env}`.
  let slotError: { error: string; spec: CommandSpec; fit: number } | undefined;
  for (const spec of COMMANDS as readonly CommandSpec[]) {
    for (const pattern of [spec.pattern, ...(spec.aliases ?? [])]) {
      const m = matchPattern(spec, pattern, tokens, ctx);
      const crossError = m.kind === 'match' ? crossCheck(spec.name, m.args) : undefined;
      if (m.kind === 'match' && !crossError) return { ok: true, command: toCommand(spec, m.args) };
      const words = pattern.split(' ');
      const lengthFits = lengthFitsLine(spec, words, tokens.length) ? 1 : 0;
      const literals = words.filter((w) => !w.startsWith('{')).length;
      if (crossError && (!slotError || 2 * literals + lengthFits > slotError.fit))
        slotError = { error: crossError, spec, fit: 2 * literals + lengthFits };
      if (m.kind === 'slot-error' && (!slotError || 2 * m.literals + lengthFits > slotError.fit)) {
        slotError = { error: m.error, spec, fit: 2 * m.literals + lengthFits };
      }
    }
  }
  if (slotError) {
    return {
      ok: false,
      error: `${slotError.spec.pattern}: ${slotError.error}`,
      suggestions: [...slotError.spec.examples],
    };
  }
  const near = nearestCommands(tokens);
  return {
    ok: false,
    error: `I did not understand '${tokens.join(' ')}'.`,
    suggestions: near.flatMap((c) => c.examples.slice(0, 1).map((e) => `${e}    (${c.pattern})`)),
  };
}

/**
 * Checks across slots: a pod must be one of the service's (`<service>-<colour>-…`), so `logs of x dev` is no pod;
 * an object to describe must be the service's too (its Deployments and pods `<service>-…`, its Service `<service>`).
 */
function crossCheck(name: string, a: Record<string, string | number>): string | undefined {
  const service = String(a.service ?? '');
  if (name === 'pod-logs') {
    const pod = String(a.pod ?? '');
    return pod.startsWith(`${service}-`)
      ? undefined
      : `pod: '${pod}' is not a pod of ${service} (its pods are named ${service}-…; see \`pods ${service} <env>\`)`;
  }
  if (name === 'describe') {
    const object = String(a.object ?? '');
    const { kind, name: objectName } = objectRef(object);
    return belongsToService(objectName, service)
      ? undefined
      : `object: '${object}' is not one of ${service}'s (their names are ${service} or ${service}-…), e.g. ${serviceObjectExample(kind, service)}; see \`pods ${service} <env>\` or \`deployments ${service} <env>\``;
  }
  return undefined;
}

/**
 * True when a parse error is about a value in a command whose words matched (`deploy stack {stack} to {env}: stack:
 * …`): it names the field, and a front end shows it rather than a near-miss guess about other words.
 */
export function isSlotError(error: string): boolean {
  return (
    !error.startsWith('I did not understand') && error !== 'empty request' && /^[a-z][^:]*\{[a-z]+\}[^:]*: /.test(error)
  );
}

/** A matched pattern's slot values as the command the catalog describes; optional slots left out take their default. */
function toCommand(spec: CommandSpec, a: Record<string, string | number>): Command {
  const values: Record<string, string | number> = { name: spec.name };
  for (const p of spec.params) {
    const v = a[p.name] ?? p.default;
    if (v !== undefined) values[p.name] = v;
  }
  return values as unknown as Command;
}

/** The commands whose leading words look most like the input (edit distance on the first two words). */
export function nearestCommands(tokens: readonly string[], max = 3): CommandSpec[] {
  // Synonyms and typos of a command word ('ship', 'remove', 'deplyo') count as that word.
  const lead = canonicalVerb(tokens[0] ?? '') ?? (tokens[0] ?? '').toLowerCase();
  const head = [lead, ...tokens.slice(1, 2)].join(' ').toLowerCase();
  const scored = (COMMANDS as readonly CommandSpec[]).map((c) => {
    const literal = c.pattern
      .split(' ')
      .filter((w) => !w.startsWith('{'))
      .slice(0, 2)
      .join(' ');
    const first = c.pattern.split(' ')[0] ?? '';
    const typed = (tokens[0] ?? '').toLowerCase();
    const d = Math.min(levenshtein(head, literal), levenshtein(lead, first) + 1, levenshtein(typed, first) + 1);
    return { c, d };
  });
  return scored
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map((x) => x.c);
}

export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = levenshtein(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Kept under this name for callers of the grammar; the measure lives in core/edit-distance.ts. */
export const levenshtein = editDistance;
