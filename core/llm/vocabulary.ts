import { editDistance } from '../edit-distance';

/**
 * Words people use for each command's verb. Keys are the first word of a command's pattern (or its name for
 * `whoami`/`list`); the deterministic matcher and the grammar's "did you mean" both read this table. `deploy`
 * covers stacks and services alike (the target decides: `deploy stack` or `rollout`).
 */
export const VERB_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  deploy: [
    'deploy',
    'ship',
    'rollout',
    'release',
    'push',
    'provision',
    'create',
    'update',
    'apply',
    'launch',
    'install',
    'redeploy',
    'upgrade',
  ],
  delete: ['delete', 'remove', 'destroy', 'teardown', 'drop', 'nuke', 'decommission', 'rm', 'del', 'uninstall', 'kill'],
  status: ['status', 'state', 'show', 'check', 'inspect', 'health', 'stat', 'info', 'details'],
  // A Kubernetes object of a service (`describe pod/…`); of a stack it means its status.
  describe: ['describe'],
  // `helm diff` of a release; of a stack, a deploy's preview shows what would change.
  diff: ['diff', 'compare'],
  // Folded from `rollout status`, `done rolling out` (PHRASES): whether a service's Deployments finished.
  'rollout-status': ['rollout-status'],
  validate: [
    'validate',
    'lint',
    'verify',
    'compliance',
    'guard',
    'scan',
    'validation',
    'nist',
    'cfn-lint',
    'cfn-guard',
  ],
  approve: ['approve', 'lgtm', 'accept', 'greenlight', 'sign-off', 'signoff', 'ok'],
  reject: ['reject', 'deny', 'decline', 'refuse', 'veto'],
  // On a rollout, cancel means abort (traffic back to the old colour): the matcher picks rollout-abort there.
  cancel: ['cancel', 'abort', 'stop', 'halt', 'withdraw'],
  rollback: ['rollback', 'revert', 'roll-back'],
  pause: ['pause', 'hold', 'suspend'],
  resume: ['resume', 'unpause', 'continue', 'unsuspend'],
  pods: ['pods', 'containers'],
  deployments: ['deployments', 'workloads'],
  events: ['events', 'warnings'],
  // Not 'operation(s)': "cancel the operation stack/dev/vpc" names the object, not the verb.
  list: ['list', 'ls', 'running', 'pending', 'queue', 'jobs'],
  // `logs` of a service's pod is pod-logs and `history` of a Helm release is helm-history: the matcher decides
  // by what the clause names (a pod or service, a release), else it is the audit trail.
  audit: ['audit', 'history', 'trail', 'log', 'logs', 'activity'],
  whoami: ['whoami', 'identity', 'account', 'caller', 'credentials-info'],
  help: ['help', 'commands', 'usage', 'manual', 'options'],
};

/** Multi-word phrases folded into one verb word before matching. */
export const PHRASES: readonly (readonly [RegExp, string])[] = [
  // Before `roll out` → deploy: asking how a rollout is going is a read.
  [/(?<![\w/.-])roll(?:ing)?[\s-]?out\s+(?:status|progress|state)(?![\w/.-])/g, 'rollout-status'],
  [/\bdone\s+roll(?:ing)?[\s-]?out\b|\bfinished\s+roll(?:ing)?[\s-]?out\b/g, 'rollout-status'],
  [/\bwhat\s+(?:would|will)\s+(?:change|be\s+different)\b/g, 'diff'],
  // Lookarounds, not \b: `rollout/dev/payments-api` is an operation id, not the verb.
  [/(?<![\w/.-])roll(?:ing)?[\s-]?out(?![\w/.-])/g, 'deploy'],
  [/(?<![\w/.-])roll(?:ing)?[\s-]?back(?![\w/.-])/g, 'rollback'],
  [/\bgo\s+back\s+to\s+(?:the\s+)?(?:previous|old|last)\s+(?:version|colou?r|release)\b/g, 'rollback'],
  [/\bput\s+(?:on\s+hold|on\s+pause)\b/g, 'pause'],
  [/\bspin\s+up\b/g, 'deploy'],
  [/\bbring\s+up\b/g, 'deploy'],
  [/\bstand\s+up\b/g, 'deploy'],
  [/\bput\s+out\b/g, 'deploy'],
  [/\btear(?:ing)?[\s-]?down\b/g, 'delete'],
  [/\btake\s+down\b/g, 'delete'],
  [/\bget\s+rid\s+of\b/g, 'delete'],
  [/\bwho\s+am\s+i\b/g, 'whoami'],
  [/\bwhich\s+(?:aws\s+)?(?:identity|account|role)\b/g, 'whoami'],
  [/\bwhat(?:'s|\s+is)\s+(?:running|going\s+on|in\s+flight)\b/g, 'list'],
  [/\bwhat\s+can\s+you\s+do\b/g, 'help'],
  [/\bhow\s+do\s+i\b/g, 'help'],
  [/\bhow(?:'s|\s+is|\s+are)\b/g, 'status'],
  [/\b(?:what|things\s+that)\s+(?:has\s+|have\s+)?happened\b/g, 'audit'],
  [/\bsign\s+off\b/g, 'approve'],
  [/\bgo\s+ahead\s+(?:with|on)\b/g, 'approve'],
  [/\bshoot\s+down\b/g, 'reject'],
  [/\bwho\s+did\b/g, 'audit'],
  [/\bwho\s+(?:changed|approved|deployed)\b/g, 'audit'],
];

const INDEX: ReadonlyMap<string, string> = new Map(
  Object.entries(VERB_SYNONYMS).flatMap(([verb, words]) => words.map((w) => [w, verb] as const)),
);

/** Typos allowed for a word of this length (none for short words: `ls` must not become `rm`). */
export const typoBudget = (word: string): number => (word.length >= 8 ? 2 : word.length >= 5 ? 1 : 0);

/** The command verb a word stands for (exact synonym, or a close typo of one), or undefined. */
export function canonicalVerb(word: string): string | undefined {
  return matchVerb(word)?.verb;
}

/** The verb and the synonym it was recognised by ('shwo' → status by 'show'). */
export function matchVerb(word: string): { verb: string; synonym: string } | undefined {
  const w = word.toLowerCase();
  const exact = INDEX.get(w);
  if (exact) return { verb: exact, synonym: w };
  // Swapped letters ('deplyo') are the commonest typo; edit distance counts them as two.
  for (const [syn, verb] of INDEX) if (syn.length >= 4 && isTransposition(w, syn)) return { verb, synonym: syn };
  const budget = typoBudget(w);
  if (budget === 0) return undefined;
  let best: { verb: string; synonym: string; d: number } | undefined;
  for (const [syn, verb] of INDEX) {
    if (syn.length < 4) continue;
    const d = editDistance(w, syn);
    if (d <= budget && (!best || d < best.d)) best = { verb, synonym: syn, d };
  }
  return best ? { verb: best.verb, synonym: best.synonym } : undefined;
}

/** True when `a` is `b` with two neighbouring letters swapped. */
export function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
  const [i, j] = diff;
  return diff.length === 2 && i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
}
