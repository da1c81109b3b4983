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
  delete: [
    'delete',
    'remove',
    'destroy',
    'teardown',
    'drop',
    'nuke',
    'decommission',
    'rm',
    'del',
    'uninstall',
    'kill',
    'undeploy',
  ],
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
  // The words between stay ("what would an upgrade of sample-app change": the release is named there).
  [/\bwhat\s+(?:would|will)\s+((?:\S+\s+){0,6}?)(?:change|be\s+different)\b/g, 'diff $1'],
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

const REVERSING_PREFIX = /^(?:un|de|dis|non|anti)$/;

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
    // `undeploy`, `deinstall`, `disapprove`: a prefix that reverses the word is not a typo of it.
    if (w.endsWith(syn) && REVERSING_PREFIX.test(w.slice(0, w.length - syn.length))) continue;
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

/** Something people ask for that infra-agent does not do, and what comes closest. */
export interface Capability {
  /** What the words asked for, in the answer: "vulnerability and image scans". */
  readonly what: string;
  /** The closest thing infra-agent does, said in words (never proposed in its place). */
  readonly closest: string;
}

// Lookarounds like the matcher's filler words: words inside ids and paths never match.
const W = (words: string): RegExp => new RegExp(`(?<![\\w/.-])(?:${words})(?![\\w/-])`, 'i');

/**
 * Words that name a capability infra-agent does not have. Checked before any command is matched: a request
 * for one of these is answered "I can't do that; the closest is …", never with a different command.
 */
export const UNSUPPORTED: readonly (readonly [RegExp, Capability])[] = [
  [
    W(
      'cves?|vulnerabilit(?:y|ies)|vulns?|vulnerable|trivy|sbom|image\\s+scans?|scan\\w*\\s+(?:\\S+\\s+){0,3}(?:images?|containers?)',
    ),
    {
      what: 'vulnerability and image scans',
      closest:
        '`validate <stack>` checks CloudFormation templates (cfn-lint, the NIST cfn-guard rules, mandatory tags); `deployments <service> <env>` shows which image runs',
    },
  ],
  [
    W('idle|unused|orphan(?:ed|s)?|underutili[sz]ed|dangling|zombie|stale\\s+resources?|not\\s+(?:being\\s+)?used'),
    {
      what: 'finding idle or unused resources',
      closest: '`status stack <stack> <env>` shows one catalog stack; `list` shows operations',
    },
  ],
  [
    W('costs?|costing|spend(?:ing)?|spent|billing|bill|invoice|budget|how\\s+much\\s+(?:\\S+\\s+){0,4}(?:pay|paying)'),
    { what: 'cost and spending reports', closest: 'nothing: infra-agent does not read billing data' },
  ],
  [
    W('drift\\w*'),
    {
      what: 'drift detection',
      closest: '`status stack <stack> <env>` shows a stack’s CloudFormation status and events (not drift)',
    },
  ],
  [
    /(?<![\w/.-])(?:cloudtrail|who\s+(?:changed|modified|edited|touched|opened|deleted|removed)\s+(?:\S+\s+){0,4}(?:rules?|ports?|ingress|egress|buckets?|polic(?:y|ies)|instances?|records?|in\s+the\s+console))(?![\w/-])/i,
    {
      what: 'the CloudTrail history of AWS changes',
      closest:
        '`audit` lists the changes made through infra-agent (who deployed, approved or rolled back what), not changes made elsewhere',
    },
  ],
  [
    W('mfa|2fa|two[\\s-]?factor|authenticator|totp|one[\\s-]?time\\s+(?:code|password)s?'),
    {
      what: 'setting up MFA from a chat request',
      closest:
        'enrol your own authenticator with `infra-agent mfa enroll` in the terminal (re-enrolment is in Slack); nobody can enrol someone else',
    },
  ],
  [
    W('back\\s?ups?|backing\\s+up|back\\s+up|restores?|restoring|snapshots?|point[\\s-]in[\\s-]time'),
    {
      what: 'backups and restores',
      closest: 'nothing: infra-agent changes catalog stacks, services and Helm releases, not data',
    },
  ],
  [
    W('promot(?:e|es|ed|ing|ion)'),
    {
      what: 'promotion between environments',
      closest:
        '`deployments <service> <env>` shows the version running in the source environment; then `rollout <service> <version> to <env>` (or `deploy stack <stack> to <env>` for a stack)',
    },
  ],
  [
    W('certs?|certificates?|tls|ssl|acm'),
    { what: 'certificates', closest: 'nothing: certificates are not in the command catalog' },
  ],
  [
    W('dns|route\\s?53|cname|a\\s+records?|hosted\\s+zones?|domains?'),
    { what: 'DNS', closest: 'nothing: DNS records are not in the command catalog' },
  ],
  [
    W('scal(?:e|es|ed|ing)(?:\\s+(?:up|down|out|in))?|replicas?|autoscal\\w*|hpa'),
    {
      what: 'scaling',
      closest: "replica counts come from the service's config; `deployments <service> <env>` shows ready replicas",
    },
  ],
  [
    W('restart\\w*|reboot\\w*|bounce|recycle'),
    {
      what: 'restarts',
      closest:
        '`pods <service> <env>` shows its pods; a new version goes out with `rollout <service> <version> to <env>`',
    },
  ],
  [
    /(?<![\w/.-])(?:(?:grant|give|add)\s+(?:\S+\s+){0,3}(?:access|permissions?|admin|rights)|who\s+(?:has|can|gets?)\s+(?:access|permissions?|admin|rights)|revoke|offboard|onboard)(?![\w/-])/i,
    {
      what: 'managing people’s access',
      closest: "people and approvers come from the configuration; `whoami <env>` shows the worker's AWS identity",
    },
  ],
  [
    W('jira|tickets?|pagerduty|page\\s+(?:the\\s+)?on[\\s-]?call'),
    { what: 'tickets and paging', closest: 'nothing: infra-agent does not talk to ticketing or paging tools' },
  ],
];

/**
 * AWS and Kubernetes things infra-agent does not manage. A clause naming one and nothing of the catalogs
 * (stack, service, release, pod, operation) asks about something else than our commands: said so, never matched
 * to a command by a stray verb word (`list the stale load balancers`, `versioning for the logs bucket`). Words
 * that are also stack aliases (`cluster`, `nodes`, `roles`, `network`) are not here.
 */
export const UNMANAGED_OBJECT = W(
  's3|buckets?|load[\\s-]?balancers?|albs?|elbs?|nlbs?|target[\\s-]groups?|ec2|instances?|vms?|amis?|volumes?|ebs|efs|lambdas?|functions?|queues?|sqs|sns|topics?|cron[\\s-]?jobs?|ingress(?:es)?|configmaps?|namespaces?|iam\\s+users?|kms|keys?|log[\\s-]groups?|alarms?|dashboards?|vpc\\s+endpoints?|nat\\s+gateways?|elastic\\s+ips?|eips?',
);

/** The capability a request names that infra-agent does not have, or undefined. */
export function unsupportedCapability(text: string): Capability | undefined {
  return UNSUPPORTED.find(([re]) => re.test(text))?.[1];
}
