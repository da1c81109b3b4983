import { OPERATION_ID, POD_NAME, VERSION, levenshtein } from '../commands/parse';
import type { EnvironmentName } from '../environments';
import { typoBudget } from './vocabulary';

/** The catalogs' names a clause is read against. */
export interface Catalog {
  readonly stacks: readonly string[];
  readonly services?: readonly string[];
  readonly releases?: readonly string[];
}

/** What a clause mentions, in the order it appears. */
export interface Entities {
  readonly stacks: string[];
  /** Catalog services (rollouts, pods, logs), and the service a named pod belongs to. */
  readonly services: string[];
  readonly releases: string[];
  /** Pod names: words that start with a catalog service's name and a dash (`payments-api-blue-7d9c-x2x7q`). */
  readonly pods: { readonly pod: string; readonly service: string }[];
  /** Kubernetes objects of a service: `pod/<name>`, `deployment <name>`, `the service <name>` (for describe). */
  readonly objects: {
    readonly kind: 'pod' | 'deployment' | 'service';
    readonly name: string;
    readonly service: string;
  }[];
  /** Image tags: `1.4.2`, `v2.0.0-rc1`, or any word after `version`/`tag`/`image`, or after `<service>:`. */
  readonly versions: string[];
  readonly envs: EnvironmentName[];
  /** Environments named after `from` (a deploy's source, a delete's target). */
  readonly fromEnvs: EnvironmentName[];
  readonly ops: string[];
  readonly paths: string[];
  readonly counts: number[];
  /** Free text after `because`/`since`/`reason`, for reject. */
  readonly reason?: string;
  /** Words that look like a stack name but are not in the catalog. */
  readonly unknownTargets: string[];
  /** Environment words that are not one of ours and could mean several (`staging`, `qa`, `uat`): asked about. */
  readonly unknownEnvs: string[];
  /** Token indexes consumed by entities (not to be read as verbs). */
  readonly used: Set<number>;
}

/** Words for the kinds `describe` takes. */
const OBJECT_KINDS: Readonly<Record<string, 'pod' | 'deployment' | 'service'>> = {
  // Singular only: `pods payments-api dev` lists pods, and `deploy` is a verb.
  pod: 'pod',
  po: 'pod',
  deployment: 'deployment',
  service: 'service',
  svc: 'service',
};

const ENV_WORDS: Readonly<Record<string, EnvironmentName>> = {
  dev: 'dev',
  development: 'dev',
  develop: 'dev',
  tst: 'tst',
  test: 'tst',
  testing: 'tst',
  prd: 'prd',
  prod: 'prd',
  production: 'prd',
};

/**
 * Names other teams give environments. None is one of ours (dev, tst, prd) for certain: `staging` or `uat` may be
 * tst or a pre-production copy of prd, so the matcher asks and never maps them.
 */
const AMBIGUOUS_ENV_WORDS = new Set([
  'staging',
  'stage',
  'stg',
  'uat',
  'qa',
  'preprod',
  'pre-prod',
  'preproduction',
  'pre-production',
  'sandbox',
  'integration',
  'perf',
  'demo',
]);

/** Short words people use for catalog stacks (only applied when the target exists in the catalog). */
const STACK_ALIASES: Readonly<Record<string, string>> = {
  sg: 'security-groups',
  sgs: 'security-groups',
  securitygroups: 'security-groups',
  roles: 'iam-roles',
  iam: 'iam-roles',
  eks: 'eks-cluster',
  cluster: 'eks-cluster',
  nodes: 'node-groups',
  nodegroup: 'node-groups',
  nodegroups: 'node-groups',
  'add-ons': 'addons',
  network: 'vpc',
  networking: 'vpc',
};

const sameLetters = (a: string, b: string): boolean =>
  a.length === b.length && a[0] === b[0] && [...a].sort().join('') === [...b].sort().join('');

/** An environment word, allowing typos ('prdo', 'developmnet'). */
export function envOf(word: string): EnvironmentName | undefined {
  const exact = ENV_WORDS[word];
  if (exact) return exact;
  for (const [w, env] of Object.entries(ENV_WORDS)) {
    if (sameLetters(word, w)) return env;
    const budget = typoBudget(w);
    if (budget > 0 && levenshtein(word, w) <= budget) return env;
  }
  return undefined;
}

/** A name from a catalog without aliases (services, releases): exact, or a typo within the name's budget. */
function nameAt(
  tokens: readonly string[],
  i: number,
  names: readonly string[],
): { name: string; width: number } | undefined {
  const one = tokens[i] ?? '';
  const two = tokens[i + 1] !== undefined ? `${one}-${tokens[i + 1]}` : undefined;
  // Exact names first (`sample-app 3`: the release and a revision, not a typo of a two-word name), then typos.
  for (const [cand, width] of [
    [two, 2],
    [one, 1],
  ] as const)
    if (cand && names.includes(cand)) return { name: cand, width };
  for (const [cand, width] of [
    [two, 2],
    [one, 1],
  ] as const) {
    if (!cand) continue;
    for (const n of names) {
      const d = levenshtein(cand, n);
      if (d > 0 && d <= typoBudget(n) && cand.length >= 4) return { name: n, width };
    }
  }
  return undefined;
}

/** A word that reads as an image tag: digits first (`1.4.2`, `v2`, `2024.06.01-rc1`). */
const looksLikeVersion = (t: string): boolean => /^v?\d[\w.-]*$/i.test(t) && VERSION.test(t);

/** A catalog stack named by one or two words (`security groups`, `securty-groups`, `eks`). */
function stackAt(
  tokens: readonly string[],
  i: number,
  stacks: readonly string[],
): { stack: string; width: number } | undefined {
  const one = tokens[i] ?? '';
  const two = tokens[i + 1] !== undefined ? `${one}-${tokens[i + 1]}` : undefined;
  // Exact names and aliases first (`vpc 2`: the stack, not a typo of `vpc-2`), then typos.
  for (const [cand, width] of [
    [two, 2],
    [one, 1],
  ] as const) {
    if (!cand) continue;
    if (stacks.includes(cand)) return { stack: cand, width };
    const alias = STACK_ALIASES[cand] ?? STACK_ALIASES[cand.replace(/-/g, '')];
    if (alias && stacks.includes(alias)) return { stack: alias, width };
  }
  for (const [cand, width] of [
    [two, 2],
    [one, 1],
  ] as const) {
    if (!cand) continue;
    for (const s of stacks) {
      const d = levenshtein(cand, s);
      if (d > 0 && d <= typoBudget(s) && cand.length >= 3) return { stack: s, width };
      // A doubled or dropped last letter ('vpcc') even for names too short for a general typo budget.
      if (d === 1 && s.length >= 3 && cand.length >= 3 && (cand.startsWith(s) || s.startsWith(cand)))
        return { stack: s, width };
    }
  }
  return undefined;
}

const STOP = new Set([
  'stack',
  'stacks',
  'the',
  'to',
  'in',
  'on',
  'into',
  'from',
  'for',
  'of',
  'env',
  'environment',
  'a',
  'an',
  'my',
  'our',
  'and',
  'me',
  'it',
  'again',
  'template',
  'templates',
  'please',
]);

/**
 * Reads the stacks, services, releases, pods, versions, environments, operation ids, paths, counts and reason a
 * clause mentions.
 */
export function extractEntities(tokens: readonly string[], catalog: Catalog, verbAt: (i: number) => boolean): Entities {
  const stacks = catalog.stacks;
  const services = catalog.services ?? [];
  const releases = catalog.releases ?? [];
  const e: Entities = {
    stacks: [],
    services: [],
    releases: [],
    pods: [],
    objects: [],
    versions: [],
    envs: [],
    fromEnvs: [],
    ops: [],
    paths: [],
    counts: [],
    unknownTargets: [],
    unknownEnvs: [],
    used: new Set(),
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (['because', 'since', 'reason', 'reason:'].includes(t) && i + 1 < tokens.length) {
      (e as { reason?: string }).reason = tokens.slice(i + 1).join(' ');
      for (let j = i; j < tokens.length; j++) e.used.add(j);
      break;
    }
    if (OPERATION_ID.test(t)) {
      e.ops.push(t);
      e.used.add(i);
      continue;
    }
    // `payments-api:1.4.2` / `payments-api@1.4.2`: a service and its tag in one word.
    const tagged = /^([a-z][a-z0-9-]*)[:@]([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(t);
    if (tagged?.[1] && tagged[2] && services.includes(tagged[1]) && VERSION.test(tagged[2])) {
      if (!e.services.includes(tagged[1])) e.services.push(tagged[1]);
      e.versions.push(tagged[2]);
      e.used.add(i);
      continue;
    }
    // A word after `version`/`tag`/`image` is the tag, whatever it looks like (`tag latest-green`).
    if (['version', 'tag', 'image'].includes(tokens[i - 1] ?? '') && VERSION.test(t) && !envOf(t) && !STOP.has(t)) {
      e.versions.push(t);
      e.used.add(i);
      continue;
    }
    // `pod/<name>` or `deployment <name>`, where the name is the service's (`<service>` or `<service>-…`).
    const ownerOf = (name: string): string | undefined =>
      services.find((s) => name === s || (name.startsWith(`${s}-`) && POD_NAME.test(name)));
    const slashed = /^([a-z]+)\/([a-z0-9][a-z0-9.-]*)$/.exec(t);
    const kindWord = slashed ? slashed[1] : t;
    const kind = OBJECT_KINDS[kindWord ?? ''];
    const objectName = slashed ? slashed[2] : tokens[i + 1];
    const objectOwner = kind && objectName ? ownerOf(objectName) : undefined;
    if (kind && objectName && objectOwner) {
      e.objects.push({ kind, name: objectName, service: objectOwner });
      if (!e.services.includes(objectOwner)) e.services.push(objectOwner);
      e.used.add(i);
      if (!slashed) {
        e.used.add(i + 1);
        i++;
      }
      continue;
    }
    const owner = services.find((s) => t.startsWith(`${s}-`) && t.length > s.length + 1);
    if (owner && POD_NAME.test(t) && !verbAt(i)) {
      e.pods.push({ pod: t, service: owner });
      if (!e.services.includes(owner)) e.services.push(owner);
      e.used.add(i);
      continue;
    }
    if (/\//.test(t) || /\.(ya?ml|json|template)$/.test(t)) {
      e.paths.push(t);
      e.used.add(i);
      continue;
    }
    if (/^\d+$/.test(t)) {
      e.counts.push(Number(t));
      e.used.add(i);
      continue;
    }
    if (looksLikeVersion(t)) {
      e.versions.push(t);
      e.used.add(i);
      continue;
    }
    if (AMBIGUOUS_ENV_WORDS.has(t) && !verbAt(i)) {
      e.unknownEnvs.push(t);
      e.used.add(i);
      continue;
    }
    const env = envOf(t);
    if (env && !verbAt(i)) {
      // Once each: "to prod and … to prod" is one environment.
      const into = tokens[i - 1] === 'from' ? e.fromEnvs : e.envs;
      if (!into.includes(env)) into.push(env);
      e.used.add(i);
      continue;
    }
    // Exact names first, across catalogs (a service is never read as a typo of a stack); then typos.
    const exactService = !verbAt(i) && services.includes(t);
    const st = verbAt(i) || exactService ? undefined : stackAt(tokens, i, stacks);
    if (st) {
      if (!e.stacks.includes(st.stack)) e.stacks.push(st.stack);
      for (let j = i; j < i + st.width; j++) e.used.add(j);
      i += st.width - 1;
      continue;
    }
    for (const [names, into] of [
      [services, e.services],
      [releases, e.releases],
    ] as const) {
      const hit = verbAt(i) ? undefined : nameAt(tokens, i, names);
      if (!hit) continue;
      if (!into.includes(hit.name)) into.push(hit.name);
      for (let j = i; j < i + hit.width; j++) e.used.add(j);
      i += hit.width - 1;
      break;
    }
    if (e.used.has(i)) continue;
    if (!verbAt(i) && !STOP.has(t) && /^[a-z][a-z0-9-]{2,}$/.test(t) && /-/.test(t)) e.unknownTargets.push(t);
  }
  return e;
}
