import type { ParseContext } from '../commands/parse';
import { tokenize } from '../commands/parse';
import { commandLine } from '../commands/tool-schema';
import type { Command } from '../commands/types';
import { ENVIRONMENTS } from '../environments';
import type { Candidate, NearMiss } from './candidates';
import { build, clarify, noVerb, unsupported } from './candidates';
import { envOf, extractEntities } from './entities';
import type { Capability } from './vocabulary';
import { PHRASES, UNMANAGED_OBJECT, matchVerb, unsupportedCapability } from './vocabulary';

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
const KUBE_READ_VERBS = new Set(['pods', 'deployments', 'events', 'rollout-status', 'describe', 'diff']);

function normalize(text: string): string {
  let s = tokenize(text.toLowerCase().replace(/[’‘]/g, "'"))
    .join(' ')
    .replace(/[!?]+/g, ' ')
    .replace(/(\s|^)\.+|\.+(\s|$)/g, ' ');
  for (const [re, word] of PHRASES) s = s.replace(re, word);
  return s.replace(FILLER, ' ').replace(/\s+/g, ' ').trim();
}

/** Splits "deploy vpc to dev then status vpc dev" into clauses; `and`/`next`/`,` split only before a new verb. */
function clauses(s: string): string[][] {
  const out: string[][] = [];
  for (const part of s.split(/\s*(?:;|\bthen\b|\bafter that\b|\bafterwards\b|\bfollowed by\b)\s*/)) {
    let cur: string[] = [];
    const words = part.split(/[\s,]+/).filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? '';
      // `next` joins like `and` ("validate vpc next deploy it") once the clause has more than its verb; right
      // after the verb it is a word ("what would the next upgrade change").
      const isJoin = w === 'and' || w === 'also' || (w === 'next' && cur.some((x) => !verbOf(x)));
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

/** Two writes named in one clause: a question offering what each would be, never one picked by priority. */
function bothWrites(a: string, b: string, x: Candidate[] | NearMiss, y: Candidate[] | NearMiss): NearMiss {
  // Only what each write would be as a whole command: a question's own suggestions (reads to look first) are not.
  const lines = (r: Candidate[] | NearMiss): string[] => ('kind' in r ? [] : r.map(lineOf));
  return clarify(`did you mean ${a} or ${b}?`, [...lines(x), ...lines(y)]);
}

const lineOf = (c: Candidate): string => commandLine({ name: c.name, ...c.args } as unknown as Command);

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
  // A strong status word ("deploy status") makes a clause a status read, unless it names a specific
  // Kubernetes read ("are the pods healthy"): then that read is what was asked.
  const kubeRead = hits.find((h) => !h.generic && KUBE_READ_VERBS.has(h.v));
  if (hits.some((h) => h.strong)) return kubeRead?.v ?? 'status';
  const specific = hits.filter((h) => !h.generic);
  if (tokens.some((t) => /^templates?$/.test(t)) && hits.some((h) => h.generic || h.v === 'validate'))
    return 'validate';
  const pool = specific.length ? specific : hits;
  const best = pool.sort((a, b) => PRIORITY.indexOf(a.v) - PRIORITY.indexOf(b.v) || a.i - b.i)[0]?.v;
  return best === 'status' && kubeRead ? kubeRead.v : best;
}

const KUBE_READS =
  'the Kubernetes reads are pods, deployments, events, logs, rollout status and describe of a catalog service (e.g. `pods <service> <env>`)';

/**
 * A namespace (`payments-dev`, `payments`) as the matcher's words: the catalog service or release whose name it
 * starts (`payments` → payments-api) and the environment of its suffix. Unknown namespaces stay as they are.
 */
function namespaceWords(ns: string, ctx: ParseContext): string {
  const m = /^(.*?)-([a-z]+)$/.exec(ns);
  const env = m?.[2] ? envOf(m[2]) : undefined;
  const base = env && m?.[1] ? m[1] : ns;
  const owners = [...(ctx.services ?? []), ...(ctx.releases ?? [])].filter(
    (n) => n === base || n.startsWith(`${base}-`),
  );
  const owner = owners.length === 1 ? owners[0] : undefined;
  return [owner ?? base, env ?? (m?.[2] && !env ? m[2] : '')].filter(Boolean).join(' ');
}

/**
 * kubectl, helm and aws CLI phrasings in the matcher's words (`kubectl get pods -n payments-dev` → `pods
 * payments-api dev`), or the CLI action named as something infra-agent does not do (`kubectl delete`, `aws ec2`).
 */
export function translateCli(text: string, ctx: ParseContext): { text: string } | { unsupported: Capability } {
  let s = ` ${text.toLowerCase()} `
    .replace(/\s(?:-n|--namespace)(?:\s+|=)([a-z0-9][a-z0-9-]*)/g, (_m, ns: string) => ` ${namespaceWords(ns, ctx)}`)
    .replace(/\s(?:in\s+)?namespace\s+([a-z0-9][a-z0-9-]*)/g, (_m, ns: string) => ` ${namespaceWords(ns, ctx)}`)
    .replace(/\s([a-z0-9][a-z0-9-]*)\s+namespace(?=\s)/g, (_m, ns: string) => ` ${namespaceWords(ns, ctx)}`)
    .replace(/\s--stack-name(?:\s+|=)/g, ' ')
    .replace(/\s(?:--region|--profile|--output|-o)(?:\s+|=)\S+/g, ' ')
    .replace(/\s--?[a-z][\w-]*(?:=\S+)?/g, ' ');
  const kubectl = /^\s*(?:kubectl|k)\s+([a-z-]+)(?:\s+([a-z./-]+))?/.exec(s);
  if (kubectl) {
    const [all, verb = '', next = ''] = kubectl;
    const kind = next.split('/')[0] ?? '';
    if (verb === 'get') {
      const word = /^(?:pods?|po)$/.test(kind)
        ? 'pods'
        : /^(?:deploy|deployments?|deployments?\.apps)$/.test(kind)
          ? 'deployments'
          : /^(?:events?|ev)$/.test(kind)
            ? 'events'
            : undefined;
      if (!word) return { unsupported: { what: `kubectl get ${kind || '…'}`, closest: KUBE_READS } };
      s = ` ${word} ${s.slice(all.length)}`;
    } else if (verb === 'rollout') {
      const sub = /^(status|undo|pause|resume)$/.exec(next)?.[1];
      if (!sub) return { unsupported: { what: `kubectl rollout ${next}`.trim(), closest: KUBE_READS } };
      s = ` ${sub === 'status' ? 'rollout-status' : sub === 'undo' ? 'rollback' : sub} ${s.slice(all.length)}`;
    } else if (verb === 'logs' || verb === 'describe' || verb === 'log') {
      s = s.replace(/^\s*(?:kubectl|k)\s+/, ' ');
    } else {
      return { unsupported: { what: `kubectl ${verb}`, closest: KUBE_READS } };
    }
    // `deployment/checkout-web`: in a kubectl read the Deployment named after a service stands for the service.
    s = s.replace(/\s(?:deploy|deployment|deployments)\/([a-z0-9-]+)(?=\s)/g, (m, name: string) =>
      (ctx.services ?? []).includes(name) ? ` ${name}` : m,
    );
  }
  const helm = /^\s*helm\s+([a-z-]+)/.exec(s);
  if (helm?.[1] && !['history', 'diff', 'install', 'upgrade', 'rollback'].includes(helm[1]))
    return {
      unsupported: {
        what: `helm ${helm[1]}`,
        closest:
          '`helm history <release> <env>` and `helm diff <release> <env>` are the Helm reads; `helm install`, `helm upgrade` and `helm rollback` the changes',
      },
    };
  const aws = /^\s*aws\s+([a-z0-9-]+)(?:\s+([a-z0-9-]+))?/.exec(s);
  if (aws) {
    const [all, service = '', op = ''] = aws;
    const word =
      service === 'cloudformation'
        ? /^(?:describe-stacks?|describe-stack-events|describe-stack-resources?|list-stack-resources|get-template)$/.test(
            op,
          )
          ? 'status'
          : op === 'validate-template'
            ? 'validate'
            : /^(?:deploy|create-stack|update-stack)$/.test(op)
              ? 'deploy'
              : op === 'delete-stack'
                ? 'delete'
                : undefined
        : service === 'sts' && op === 'get-caller-identity'
          ? 'whoami'
          : undefined;
    if (!word)
      return {
        unsupported: {
          what: `aws ${service} ${op}`.trim(),
          closest: 'infra-agent runs its own commands on catalog stacks, services and releases, not the AWS CLI',
        },
      };
    s = ` ${word} ${s.slice(all.length)}`;
  }
  return { text: s.replace(/\s+/g, ' ').trim() };
}

/** Writes: two of these in one clause are never settled by priority, the person is asked. */
const WRITES = new Set(['deploy', 'delete', 'rollback']);

/** The clause's verbs other than `verb` that are as specific (not generic words): rivals for the margin check. */
function rivals(tokens: readonly string[], used: ReadonlySet<number>, verb: string): string[] {
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    const v = verbOf(t);
    if (!used.has(i) && v && v !== verb && !isGeneric(t)) out.add(v);
  });
  return [...out];
}

/** The word in the clause that gave its verb (`upgrade` for deploy), for commands that tell them apart. */
const verbWordOf = (tokens: readonly string[], verb: string): string =>
  tokens.map((t) => matchVerb(t)?.synonym ?? t).find((w) => verbOf(w) === verb) ?? verb;

/**
 * The deterministic near-miss matcher: synonyms, typos and free word order, with no model. It returns
 * commands only when every slot is filled from the text; otherwise it asks, with lines to pick from.
 */
export function matchNearMiss(text: string, ctx: ParseContext): NearMiss {
  const cli = translateCli(text, ctx);
  if ('unsupported' in cli) return unsupported(cli.unsupported);
  const capability = unsupportedCapability(text);
  if (capability) return unsupported(capability);
  const s = normalize(cli.text);
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
    const named = [e.stacks, e.services, e.releases, e.pods, e.objects, e.ops, e.paths].some((x) => x.length);
    const other = named ? undefined : UNMANAGED_OBJECT.exec(tokens.join(' '))?.[0];
    if (other)
      return unsupported({
        what: `anything with ${other}`,
        closest:
          'infra-agent manages the catalog stacks (`help stacks`), the services and the Helm releases of its configuration, and their operations (`list`)',
      });
    if (!verb) {
      if (QUESTION.test(s) || TROUBLE.test(s)) return { kind: 'diagnose', question: text.trim() };
      return noVerb(e, ctx);
    }
    if (QUESTION.test(s)) return { kind: 'diagnose', question: text.trim() };
    const built = build(verb, e, ctx, verbWordOf(tokens, verb));
    // A confidence margin: two different writes in one clause ("roll back the deploy") are not settled by
    // priority; the person picks from what each would be.
    const rival = WRITES.has(verb) ? rivals(tokens, probe.used, verb).find((v) => WRITES.has(v)) : undefined;
    if (rival) return bothWrites(verb, rival, built, build(rival, e, ctx, rival));
    // A margin by fit: when the verb that won by priority cannot be filled from the clause ("cancel the vpc
    // deployment": deployments of no service) and exactly one other verb it names can, that one is meant.
    // A write found that way is only offered, never proposed.
    if ('kind' in built && built.kind === 'clarify') {
      const fits = rivals(tokens, probe.used, verb).flatMap((v) => {
        const eV = extractEntities(tokens, ctx, (i) => verbOf(tokens[i] ?? '') === v && !probe.used.has(i));
        const r = build(v, eV, ctx, verbWordOf(tokens, v));
        return 'kind' in r ? [] : [{ v, r }];
      });
      const only = fits.length === 1 ? fits[0] : undefined;
      if (only && !WRITES.has(only.v)) {
        candidates.push(...only.r);
        continue;
      }
      if (fits.length)
        return clarify(
          `did you mean ${fits.map((f) => f.v).join(' or ')}?`,
          fits.flatMap((f) => f.r.map(lineOf)),
        );
    }
    const unknownEnv = e.unknownEnvs[0];
    if (unknownEnv && e.envs.length === 0 && e.fromEnvs.length === 0) {
      const note = `there is no '${unknownEnv}' environment here (ours are ${ENVIRONMENTS.join(', ')})`;
      if ('kind' in built)
        return built.kind === 'clarify' ? { ...built, question: `${note}; ${built.question}` } : built;
    }
    if ('kind' in built) return built;
    candidates.push(...built);
  }
  if (candidates.length === 0) return clarify('I did not understand that; try one of these, or type help.', []);
  return { kind: 'candidates', candidates };
}
