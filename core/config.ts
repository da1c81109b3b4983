import type { ArtifactPolicy } from './artifacts';
import { defaultArtifactPolicy } from './artifacts';
import { parseDurationSeconds } from './duration';
import { isTimeZone, weekMinuteOf } from './freezes';
import type {
  ApprovalPolicy,
  ChangeFreeze,
  ClusterConfig,
  EnvironmentConfig,
  EnvironmentName,
  UserConfig,
} from './environments';
import { ENVIRONMENTS, isEnvironmentName } from './environments';
import type { SuppressionRule, ValidationPolicy } from './validation';
import { DEFAULT_VALIDATION_POLICY } from './validation';
import { catalogCollisions } from './k8s/ownership';
import type { HelmValues } from './k8s/request';
import type { DriftConfig } from './drift/settings';
import { readDriftConfig } from './drift/settings';
import type { CostConfig } from './cost/settings';
import { readCostConfig } from './cost/settings';
import type { IdleSettings } from './cost/idle-settings';
import { readIdleConfig } from './cost/idle-settings';
import type { LlmConfig } from './llm/settings';
import type { AnalysisSpec, RolloutPolicy, ServiceConfig, TrafficSpec } from './rollout/types';
import { readLlmConfig } from './llm/settings';
import type { SecurityConfig } from './security/config';
import { readSecurityConfig } from './security/config';
import type { OpsConfig } from './ops-settings';
import { readOpsConfig } from './ops-settings';

/** Where the Temporal server is and which task queue the worker polls. */
export interface TemporalConfig {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  /** Base URL of the Temporal Web UI, for links in messages. */
  readonly uiUrl?: string;
  /**
   * `false`: plaintext (the sandbox). `true`: TLS with the system's CAs (Temporal Cloud with an API key). Files:
   * mTLS — the client certificate and key (a Temporal cluster or Temporal Cloud's mTLS namespaces), and a CA for
   * servers whose certificate no system CA signs. Paths, never PEM text: the key stays in its file.
   */
  readonly tls: boolean | TemporalTlsFiles;
  /** Temporal Cloud API key; write `${TEMPORAL_API_KEY}` so it comes from the environment, not the file. */
  readonly apiKey?: string;
}

export interface TemporalTlsFiles {
  /** PEM CA bundle that signed the server's certificate (default: the system's CAs). */
  readonly caFile?: string;
  /** PEM client certificate (mTLS); with keyFile. */
  readonly certFile?: string;
  /** PEM private key of the client certificate (mTLS); with certFile. */
  readonly keyFile?: string;
  /** The name the server's certificate must carry, when it is not the address's host. */
  readonly serverName?: string;
}

/** How the worker reaches AWS. `endpoint` is set only for the sandbox (moto); real AWS leaves it out. */
export interface AwsConfig {
  readonly endpoint?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

/** Paths of the command-line tools the activities run. */
export interface ToolsConfig {
  readonly cfnLint: string;
  readonly cfnGuard: string;
  readonly helm: string;
  readonly kubectl: string;
  readonly trivy: string;
}

/** Slack connection. `mode` picks the receiver: Socket Mode needs appToken, HTTP needs signingSecret. */
export interface SlackConfig {
  readonly mode: 'socket' | 'http';
  readonly botToken: string;
  readonly signingSecret?: string;
  readonly appToken?: string;
  readonly botUserId?: string;
  readonly botId?: string;
  readonly apiUrl?: string;
  readonly port: number;
}

/** The whole validated configuration. Built once, in a composition root, and passed down as values. */
export interface AppConfig {
  readonly temporal: TemporalConfig;
  readonly aws: AwsConfig;
  readonly audit: { readonly path: string };
  /** Where shared state lives (audit trail, MFA, Slack delivery dedupe, alerts, waivers). Default: files. */
  readonly store: StoreConfig;
  /** Folder holding the CloudFormation templates and guard rules (`infra/`). */
  readonly infraDir: string;
  /**
   * Folders stack templates and local charts may live in: the team's own repositories (config `roots`, default
   * [infraDir]). A template or chart outside every root is refused. Absolute once loaded.
   */
  readonly roots: readonly string[];
  /** How the terminal knows who is calling (config `identity`, `users.<id>.awsPrincipals`). */
  readonly identity: IdentityConfig;
  readonly tools: ToolsConfig;
  readonly users: Readonly<Record<string, UserConfig>>;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
  /** The stacks people may deploy, by catalog name; anything else is refused. */
  readonly stacks: Readonly<Record<string, StackConfig>>;
  /** The services people may roll out (`rollout <service> <version> to <env>`), by name. */
  readonly services: Readonly<Record<string, ServiceConfig>>;
  /** Helm releases people may install, upgrade or roll back (`helm upgrade <release> <env>`), by name. */
  readonly releases: Readonly<Record<string, ReleaseConfig>>;
  readonly slack?: SlackConfig;
  /** Claude on Bedrock for free-text requests; absent = grammar and near-miss matcher only. */
  readonly llm?: LlmConfig;
  /** Trivy scans and the per-environment security gates (docs/security.md); absent = nothing is scanned. */
  readonly security?: SecurityConfig;
  /** Drift checks (`drift {stack} {env}`): the ignore list and concurrency (docs/drift.md); absent = defaults. */
  readonly drift?: DriftConfig;
  /** Cost: the weekly report and the daily anomaly/budget check per environment (docs/cost.md); absent = none. */
  readonly cost?: CostConfig;
  /** Idle resources and the DEV-only reaper (`idle {env}`, `reap {resource} dev`; docs/cost.md); absent = defaults. */
  readonly idle?: IdleSettings;
  /** Organisation policies and suppressions for template validation (config `validation`; docs/compliance.md). */
  readonly validation?: ValidationPolicy;
  /** Health server, shutdown grace, log format, OpenTelemetry (config `health`, `shutdown`, `logging`, `telemetry`). */
  readonly ops?: OpsConfig;
}

/**
 * Where the shared state lives. `file` (the default): JSON-lines files beside `audit.path`, for one machine.
 * `postgres`: one PostgreSQL database every bot and worker instance shares; its URL (which may hold a password)
 * is read from the environment variable `urlEnv` names, never from this file.
 */
export type StoreConfig =
  | { readonly kind: 'file' }
  | {
      readonly kind: 'postgres';
      /** The environment variable holding the connection URL. Default INFRA_AGENT_DATABASE_URL. */
      readonly urlEnv: string;
      /** Most connections one process opens. Default 10. */
      readonly poolSize: number;
    };

/** The variable store.urlEnv names when it is not given. */
export const DEFAULT_DATABASE_URL_ENV = 'INFRA_AGENT_DATABASE_URL';

/**
 * How a terminal caller is identified. `proven` (the default): the caller's own AWS identity (STS
 * GetCallerIdentity with the default credential chain) matched against `awsPrincipals`. `claimed`: `--as` /
 * INFRA_AGENT_USER are believed, for the sandbox only.
 */
export interface IdentityConfig {
  readonly terminal: 'proven' | 'claimed';
  /** Per user id, the AWS principal ARN patterns (`*` matches any run of characters) that prove them. */
  readonly awsPrincipals: Readonly<Record<string, readonly string[]>>;
}

/** One deployable stack: its template (relative to infraDir). CloudFormation name: infra-agent-<env>-<name>. */
export interface StackConfig {
  readonly name: string;
  readonly template: string;
}

/** One Helm release: its chart (local `./path` under the repository, or `repo/chart` with a version) and values. */
export interface ReleaseConfig {
  readonly name: string;
  readonly chart: string;
  readonly version?: string;
  /** Namespace in each environment's cluster (plus the cluster's `namespaceSuffix`). */
  readonly namespace: string;
  readonly values?: HelmValues;
}

/** One bad or missing setting: where, what is wrong, what to do. */
export interface ConfigIssue {
  readonly path: string;
  readonly problem: string;
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; issues: ConfigIssue[] };

type Obj = Record<string, unknown>;
/** Short printable form of any YAML value, for messages. */
const show = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects every problem instead of stopping at the first, so one run names them all. */
class Reader {
  readonly issues: ConfigIssue[] = [];
  fail(path: string, problem: string): void {
    this.issues.push({ path, problem });
  }
  obj(v: unknown, path: string, required = true): Obj {
    if (v === undefined && !required) return {};
    if (!isObj(v)) {
      this.fail(path, v === undefined ? 'is missing; add a mapping here' : `must be a mapping, got ${typeof v}`);
      return {};
    }
    return v;
  }
  str(
    o: Obj,
    key: string,
    path: string,
    opts: { required?: boolean; pattern?: RegExp; hint?: string } = {},
  ): string | undefined {
    const v = o[key];
    if (v === undefined || v === null || v === '') {
      if (opts.required !== false) this.fail(`${path}.${key}`, `is missing${opts.hint ? `; ${opts.hint}` : ''}`);
      return undefined;
    }
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string') {
      this.fail(`${path}.${key}`, `must be a string, got ${typeof v}`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(s)) {
      this.fail(`${path}.${key}`, `'${s}' is not valid${opts.hint ? `; ${opts.hint}` : ''}`);
      return undefined;
    }
    return s;
  }
  strList(o: Obj, key: string, path: string): string[] {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.fail(`${path}.${key}`, 'must be a list of strings, e.g. [alice, bob]');
      return [];
    }
    return v as string[];
  }
  bool(o: Obj, key: string, path: string, fallback: boolean): boolean {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.fail(`${path}.${key}`, `must be true or false, got '${show(v)}'`);
      return fallback;
    }
    return v;
  }
  int(o: Obj, key: string, path: string, fallback: number, min: number, max: number): number {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(`${path}.${key}`, `must be an integer from ${min} to ${max}, got '${show(v)}'`);
      return fallback;
    }
    return v;
  }
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The 12-digit account of an IAM or STS ARN (`arn:aws:iam::123456789012:role/x`), or undefined. */
export function accountOfArn(arn: string | undefined): string | undefined {
  return arn ? /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] : undefined;
}

/**
 * Validates a parsed configuration document. Pure: file reading and `${VAR}` interpolation happen in the
 * loader. Returns every issue at once.
 */
function readTemporalTls(r: Reader, raw: unknown): boolean | TemporalTlsFiles {
  if (raw === undefined || typeof raw === 'boolean') return raw ?? false;
  const o = r.obj(raw, 'temporal.tls');
  for (const k of Object.keys(o))
    if (!['caFile', 'certFile', 'keyFile', 'serverName'].includes(k))
      r.fail(`temporal.tls.${k}`, 'is not a setting here; use caFile, certFile, keyFile, serverName (or tls: true)');
  const files: TemporalTlsFiles = {
    ...opt('caFile', r.str(o, 'caFile', 'temporal.tls', { required: false })),
    ...opt('certFile', r.str(o, 'certFile', 'temporal.tls', { required: false })),
    ...opt('keyFile', r.str(o, 'keyFile', 'temporal.tls', { required: false })),
    ...opt('serverName', r.str(o, 'serverName', 'temporal.tls', { required: false })),
  };
  if (!files.certFile !== !files.keyFile)
    r.fail(
      `temporal.tls.${files.certFile ? 'keyFile' : 'certFile'}`,
      'is missing; a client certificate (mTLS) needs both certFile and keyFile',
    );
  for (const [k, v] of Object.entries(files))
    if (k !== 'serverName' && typeof v === 'string' && /-----BEGIN/.test(v))
      r.fail(`temporal.tls.${k}`, 'holds PEM text; give the path of a file instead (keys stay out of the config)');
  return files;
}

export function validateConfig(raw: unknown): ConfigResult {
  const r = new Reader();
  const root = r.obj(raw, '(config)');

  const t = r.obj(root.temporal, 'temporal');
  const temporal: TemporalConfig = {
    address:
      r.str(t, 'address', 'temporal', { pattern: /^[\w.-]+:\d+$/, hint: 'use host:port, e.g. 127.0.0.1:7233' }) ?? '',
    namespace: r.str(t, 'namespace', 'temporal', { required: false }) ?? 'default',
    taskQueue: r.str(t, 'taskQueue', 'temporal', { required: false }) ?? 'infra-agent',
    tls: readTemporalTls(r, t.tls),
    ...opt(
      'uiUrl',
      r.str(t, 'uiUrl', 'temporal', { required: false, pattern: /^https?:\/\//, hint: 'use an http(s) URL' }),
    ),
    ...opt('apiKey', r.str(t, 'apiKey', 'temporal', { required: false })),
  };

  const a = r.obj(root.aws, 'aws', false);
  const aws: AwsConfig = {
    ...opt(
      'endpoint',
      r.str(a, 'endpoint', 'aws', { required: false, pattern: /^https?:\/\//, hint: 'use an http(s) URL' }),
    ),
    ...opt('accessKeyId', r.str(a, 'accessKeyId', 'aws', { required: false })),
    ...opt('secretAccessKey', r.str(a, 'secretAccessKey', 'aws', { required: false })),
  };
  if ((aws.accessKeyId === undefined) !== (aws.secretAccessKey === undefined)) {
    r.fail('aws', 'set both accessKeyId and secretAccessKey, or neither (to use the default AWS credential chain)');
  }

  const au = r.obj(root.audit, 'audit');
  const audit = { path: r.str(au, 'path', 'audit', { hint: 'a file path for the append-only audit log' }) ?? '' };
  const store = readStore(r, root.store);
  const infraDir = r.str(root, 'infraDir', '(config)', { required: false }) ?? 'infra';
  const roots = root.roots === undefined ? [infraDir] : r.strList(root, 'roots', '(config)');
  if (root.roots !== undefined && roots.length === 0)
    r.fail('roots', 'is empty; list the folders templates and charts live in, or remove it (default: [infraDir])');

  const to = r.obj(root.tools, 'tools', false);
  const tools: ToolsConfig = {
    cfnLint: r.str(to, 'cfnLint', 'tools', { required: false }) ?? 'cfn-lint',
    cfnGuard: r.str(to, 'cfnGuard', 'tools', { required: false }) ?? 'cfn-guard',
    helm: r.str(to, 'helm', 'tools', { required: false }) ?? 'helm',
    kubectl: r.str(to, 'kubectl', 'tools', { required: false }) ?? 'kubectl',
    trivy: r.str(to, 'trivy', 'tools', { required: false }) ?? 'trivy',
  };

  const users = readUsers(r, root.users);
  const identity = readIdentity(r, root.identity, root.users);
  const environments = readEnvironments(r, root.environments, users);
  const slack = root.slack === undefined ? undefined : readSlack(r, r.obj(root.slack, 'slack'));
  const stacks = readStacks(r, root.stacks);
  const services = readServices(r, root.services);
  const releases = readReleases(r, root.releases);
  checkOwnership(r, services, releases);
  const llm = root.llm === undefined ? undefined : readLlmConfig(root.llm);
  const validation = root.validation === undefined ? undefined : readValidation(r, root.validation);
  for (const i of llm?.issues ?? []) r.fail(i.path, i.problem);
  const security = root.security === undefined ? undefined : readSecurityConfig(root.security);
  for (const i of security?.issues ?? []) r.fail(i.path, i.problem);
  const drift = readDriftConfig(root.drift);
  for (const i of drift.issues) r.fail(i.path, i.problem);
  const cost = readCostConfig(root.cost);
  for (const i of cost.issues) r.fail(i.path, i.problem);
  for (const env of Object.keys(cost.value.schedule ?? {}) as EnvironmentName[])
    if (environments[env] && !environments[env].slack.channel)
      r.fail(
        `cost.schedule.${env}`,
        `the weekly report goes to the environment's channel; set environments.${env}.slack.channel`,
      );
  const idle = readIdleConfig(root.idle);
  for (const i of idle.issues) r.fail(i.path, i.problem);
  const ops = readOpsConfig(root);
  for (const i of ops.issues) r.fail(i.path, i.problem);

  if (r.issues.length > 0) return { ok: false, issues: r.issues };
  return {
    ok: true,
    config: {
      temporal,
      aws,
      audit,
      store,
      infraDir,
      roots,
      identity,
      tools,
      users,
      environments,
      stacks,
      services,
      releases,
      ...(slack ? { slack } : {}),
      ...(llm?.value ? { llm: llm.value } : {}),
      ...(security?.value ? { security: security.value } : {}),
      drift: drift.value,
      cost: cost.value,
      idle: idle.value,
      ops: ops.value,
      ...(validation ? { validation } : {}),
    },
  };
}

/** `validation:` — the organisation's tag and IaCVersion policies, and suppressions (each with a reason). */
function readValidation(r: Reader, raw: unknown): ValidationPolicy {
  const o = r.obj(raw, 'validation');
  const org = r.obj(o.organisation, 'validation.organisation', false);
  const defaults = DEFAULT_VALIDATION_POLICY.organisation;
  const mandatoryTags =
    org.mandatoryTags === undefined
      ? [...defaults.mandatoryTags]
      : r.strList(org, 'mandatoryTags', 'validation.organisation');
  const iacVersionParameter =
    org.iacVersionParameter === null
      ? null
      : (r.str(org, 'iacVersionParameter', 'validation.organisation', {
          required: false,
          pattern: /^[A-Za-z0-9]{1,255}$/,
          hint: 'a template parameter name (letters and digits), or null for no such policy',
        }) ?? defaults.iacVersionParameter);
  const suppressions: SuppressionRule[] = [];
  const list = o.suppressions ?? [];
  if (!Array.isArray(list)) r.fail('validation.suppressions', 'must be a list of { rule, reason, resource?, file? }');
  else
    list.forEach((item, i) => {
      const path = `validation.suppressions[${i}]`;
      const s = r.obj(item, path);
      const rule = r.str(s, 'rule', path, { hint: 'the rule id: a guard rule, a cfn-lint code or MandatoryTags' });
      const reason = r.str(s, 'reason', path, {
        hint: 'say why the finding does not apply; a suppression without a reason is refused',
      });
      const resource = r.str(s, 'resource', path, { required: false });
      const file = r.str(s, 'file', path, { required: false });
      if (rule && reason)
        suppressions.push({ rule, reason, ...(resource ? { resource } : {}), ...(file ? { file } : {}) });
    });
  return { organisation: { mandatoryTags, iacVersionParameter }, suppressions };
}

/** `store: file | postgres`, or `store: {kind, urlEnv, poolSize}`; a URL written into the file is refused. */
function readStore(r: Reader, raw: unknown): StoreConfig {
  if (raw === undefined || raw === 'file') return { kind: 'file' };
  const o: Obj = typeof raw === 'string' ? { kind: raw } : r.obj(raw, 'store');
  for (const k of Object.keys(o)) {
    if (!['kind', 'urlEnv', 'poolSize'].includes(k)) {
      r.fail(
        `store.${k}`,
        k === 'url'
          ? 'the database URL may hold a password and never belongs in the config file; put it in an environment variable and name it in store.urlEnv (default INFRA_AGENT_DATABASE_URL)'
          : 'is not a store setting (kind, urlEnv, poolSize)',
      );
    }
  }
  const kind = r.str(o, 'kind', 'store', { pattern: /^(file|postgres)$/, hint: 'use file or postgres' }) ?? 'file';
  if (kind !== 'postgres') return { kind: 'file' };
  const urlEnv =
    r.str(o, 'urlEnv', 'store', {
      required: false,
      pattern: /^[A-Z_][A-Z0-9_]*$/,
      hint: 'name an environment variable, e.g. INFRA_AGENT_DATABASE_URL',
    }) ?? DEFAULT_DATABASE_URL_ENV;
  return { kind: 'postgres', urlEnv, poolSize: r.int(o, 'poolSize', 'store', 10, 1, 100) };
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * A template path: relative to infraDir (`cloudformation/vpc.yaml`, never `..`), or written `./`, `../`, `~/` or
 * `/` to name a file relative to the config file's folder; `..` only as leading segments. The loader checks the
 * file exists under one of the roots.
 */
const TEMPLATE_PATH = /^(~\/|\/|(\.\.?\/)+)?(?!.*(^|\/)\.\.?(\/|$))[\w./-]+\.(ya?ml|json|template)$/;

function readStacks(r: Reader, raw: unknown): Record<string, StackConfig> {
  const o = r.obj(raw, 'stacks');
  const out: Record<string, StackConfig> = {};
  for (const [name, v] of Object.entries(o)) {
    const path = `stacks.${name}`;
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(name))
      r.fail(path, 'stack names are lower-case letters, digits and - (e.g. vpc)');
    const template = r.str(r.obj(v, path), 'template', path, {
      pattern: TEMPLATE_PATH,
      hint:
        'a .yaml/.json path relative to infraDir (no ..), or ./ ../ ~/ or / for a path relative to the config ' +
        "file's folder (it must lie under one of roots)",
    });
    if (template) out[name] = { name, template };
  }
  return out;
}

/** ARN patterns: `arn:` then ARN characters, `*` as a wildcard. */
const PRINCIPAL_PATTERN = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):[\w+=,.@/*-]+$/;

function readIdentity(r: Reader, raw: unknown, rawUsers: unknown): IdentityConfig {
  const o = r.obj(raw, 'identity', false);
  const terminal = r.str(o, 'terminal', 'identity', { required: false }) ?? 'proven';
  if (terminal !== 'proven' && terminal !== 'claimed')
    r.fail(
      'identity.terminal',
      `'${terminal}' is not a mode; use proven (the caller's AWS identity) or claimed (--as, sandbox only)`,
    );
  const awsPrincipals: Record<string, string[]> = {};
  for (const [id, u] of Object.entries(isObj(rawUsers) ? rawUsers : {})) {
    if (!isObj(u) || u.awsPrincipals === undefined) continue;
    const list = r.strList(u, 'awsPrincipals', `users.${id}`);
    for (const p of list)
      if (!PRINCIPAL_PATTERN.test(p))
        r.fail(
          `users.${id}.awsPrincipals`,
          `'${p}' is not an IAM/STS ARN pattern; use e.g. arn:aws:iam::123456789012:user/${id} or ` +
            `arn:aws:sts::123456789012:assumed-role/Engineers/${id}`,
        );
    awsPrincipals[id] = list;
  }
  return { terminal: terminal === 'claimed' ? 'claimed' : 'proven', awsPrincipals };
}

function readUsers(r: Reader, raw: unknown): Record<string, UserConfig> {
  const o = r.obj(raw, 'users');
  const out: Record<string, UserConfig> = {};
  for (const [id, v] of Object.entries(o)) {
    const path = `users.${id}`;
    if (!/^[a-z][a-z0-9._-]{0,63}$/.test(id))
      r.fail(path, 'user ids are lower-case letters, digits, . _ - (e.g. alice)');
    const u = r.obj(v, path);
    const slackRaw = u.slack === undefined ? undefined : r.obj(u.slack, `${path}.slack`);
    const slackUser = slackRaw
      ? r.str(slackRaw, 'userId', `${path}.slack`, {
          pattern: /^[UW][A-Z0-9]+$/,
          hint: 'a Slack user id such as U012ABCDEF',
        })
      : undefined;
    const slackTeam = slackRaw
      ? r.str(slackRaw, 'teamId', `${path}.slack`, { required: false, pattern: /^T[A-Z0-9]+$/ })
      : undefined;
    out[id] = {
      id,
      displayName: r.str(u, 'displayName', path, { required: false }) ?? id,
      groups: r.strList(u, 'groups', path),
      ...(slackUser ? { slack: { userId: slackUser, ...(slackTeam ? { teamId: slackTeam } : {}) } } : {}),
    };
  }
  return out;
}

function readEnvironments(
  r: Reader,
  raw: unknown,
  users: Record<string, UserConfig>,
): Record<EnvironmentName, EnvironmentConfig> {
  const o = r.obj(raw, 'environments');
  for (const key of Object.keys(o)) {
    if (!isEnvironmentName(key))
      r.fail(`environments.${key}`, `unknown environment; use one of ${ENVIRONMENTS.join(', ')}`);
  }
  const out = {} as Record<EnvironmentName, EnvironmentConfig>;
  for (const name of ENVIRONMENTS) {
    const path = `environments.${name}`;
    if (o[name] === undefined) {
      r.fail(path, `is missing; describe all of ${ENVIRONMENTS.join(', ')}`);
      continue;
    }
    const e = r.obj(o[name], path);
    const approval = readApproval(r, r.obj(e.approval, `${path}.approval`), `${path}.approval`, users, name);
    const cl = e.cluster === undefined ? undefined : r.obj(e.cluster, `${path}.cluster`);
    const cluster = cl ? readCluster(r, cl, `${path}.cluster`) : undefined;
    const sl = r.obj(e.slack, `${path}.slack`, false);
    out[name] = {
      name,
      account:
        r.str(e, 'account', path, { pattern: ACCOUNT, hint: 'a 12-digit AWS account id (quote it in YAML)' }) ?? '',
      region: r.str(e, 'region', path, { pattern: REGION, hint: 'an AWS region such as us-east-1' }) ?? '',
      ...opt(
        'deployRoleArn',
        r.str(e, 'deployRoleArn', path, {
          required: false,
          pattern: ROLE_ARN,
          hint: 'arn:aws:iam::<account>:role/<name>',
        }),
      ),
      ...opt(
        'taskQueue',
        r.str(e, 'taskQueue', path, {
          required: false,
          pattern: /^[\w.-]{1,200}$/,
          hint: 'letters, digits, . _ - (e.g. infra-agent-prd)',
        }),
      ),
      ...(cluster ? { cluster } : {}),
      slack: {
        ...opt('channel', r.str(sl, 'channel', `${path}.slack`, { required: false })),
        ...opt('alertsChannel', r.str(sl, 'alertsChannel', `${path}.slack`, { required: false })),
      },
      approval,
      changeFreezes: readFreezes(r, e.changeFreezes, `${path}.changeFreezes`),
      artifacts: readArtifacts(r, e.artifacts, `${path}.artifacts`, name),
      soakSeconds: readSoak(r, e.soak, `${path}.soak`, name),
      stackParameters: readStringMap(r, e.stackParameters, `${path}.stackParameters`),
    };
    const roleAccount = accountOfArn(out[name].deployRoleArn);
    if (roleAccount && out[name].account && roleAccount !== out[name].account)
      r.fail(
        `${path}.deployRoleArn`,
        `is a role in account ${roleAccount}, but ${name} is account ${out[name].account}; each environment deploys ` +
          `only through a role in its own account (fix the role ARN or the account)`,
      );
  }
  return out;
}

function readApproval(
  r: Reader,
  a: Obj,
  path: string,
  users: Record<string, UserConfig>,
  env: EnvironmentName,
): ApprovalPolicy {
  const approvers = r.strList(a, 'users', path);
  for (const u of approvers) if (!users[u]) r.fail(`${path}.users`, `'${u}' is not defined under users`);
  const groups = r.strList(a, 'groups', path);
  if (approvers.length === 0 && groups.length === 0) r.fail(path, 'names no approver: set users or groups');
  const rawExpiry = a.expiry ?? '1h';
  const expirySeconds = parseDurationSeconds(rawExpiry);
  if (expirySeconds === undefined)
    r.fail(`${path}.expiry`, `'${show(rawExpiry)}' is not a duration; use e.g. 30m, 1h, 90s`);
  const mfa = r.bool(a, 'mfa', path, env === 'prd');
  if (env === 'prd' && !mfa)
    r.fail(`${path}.mfa`, 'PRD approvals always need MFA; remove the setting or set it to true');
  const required = r.int(a, 'required', path, env === 'prd' ? 1 : 1, 1, 5);
  return { users: approvers, groups, required, expirySeconds: expirySeconds ?? 3600, mfa };
}

function readStringMap(r: Reader, raw: unknown, path: string): Record<string, string> {
  const o = r.obj(raw, path, false);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    else r.fail(`${path}.${k}`, 'must be a string');
  }
  return out;
}

/** `environments.<env>.soak`: how long an artifact runs here before it may be promoted on (docs/delivery.md). */
function readSoak(r: Reader, raw: unknown, path: string, env: EnvironmentName): number {
  if (raw === undefined) return env === 'dev' ? 600 : env === 'tst' ? 3600 : 0;
  if (raw === 0 || raw === '0' || raw === '0s') return 0;
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined) r.fail(path, `'${show(raw)}' is not a duration; use e.g. 1h, 30m, 90s (or 0s for none)`);
  return seconds ?? 0;
}

function readArtifacts(r: Reader, raw: unknown, path: string, env: EnvironmentName): ArtifactPolicy {
  const defaults = defaultArtifactPolicy(env);
  if (raw === undefined || raw === null) return defaults;
  const a = r.obj(raw, path);
  const registry = r.str(a, 'registry', path, {
    required: false,
    pattern: /^https?:\/\/[^/\s]+\/?$/,
    hint: 'the registry base URL, e.g. https://ghcr.io or http://127.0.0.1:5000',
  });
  const mutableTags = a.mutableTags === undefined ? defaults.mutableTags : r.strList(a, 'mutableTags', path);
  return {
    ...opt('registry', registry),
    mutableTags,
    refuseMutableTags: r.bool(a, 'refuseMutableTags', path, defaults.refuseMutableTags),
  };
}

function readFreezes(r: Reader, raw: unknown, path: string): ChangeFreeze[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    r.fail(
      path,
      'must be a list of {from, to, reason}, {every: week, from, to, timeZone, reason} or {date, timeZone, reason}',
    );
    return [];
  }
  return raw.flatMap((f, i): ChangeFreeze[] => {
    const o = r.obj(f, `${path}[${i}]`);
    const at = `${path}[${i}]`;
    if (o.every !== undefined || o.date !== undefined) {
      const timeZone = r.str(o, 'timeZone', at, { hint: 'an IANA time zone such as Europe/Berlin or UTC' });
      const reason = r.str(o, 'reason', at, { required: false }) ?? 'change freeze';
      if (timeZone && !isTimeZone(timeZone)) {
        r.fail(`${at}.timeZone`, `'${timeZone}' is not a time zone; use an IANA name such as Europe/Berlin or UTC`);
        return [];
      }
      if (!timeZone) return [];
      if (o.date !== undefined) {
        const date = r.str(o, 'date', at, { pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'a day as YYYY-MM-DD' });
        return date ? [{ kind: 'date', date, timeZone, reason }] : [];
      }
      if (o.every !== 'week') {
        r.fail(`${at}.every`, `'${show(o.every)}' is not a recurrence; use week (from: Fri 16:00, to: Mon 08:00)`);
        return [];
      }
      const day = {
        pattern: /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) ([01]\d|2[0-3]):[0-5]\d$/,
        hint: 'a weekday and time, e.g. Fri 16:00',
      };
      const wf = r.str(o, 'from', at, day);
      const wt = r.str(o, 'to', at, day);
      if (!wf || !wt) return [];
      if (weekMinuteOf(wf) === weekMinuteOf(wt)) {
        r.fail(at, `'${wf}'..'${wt}' is an empty window; from and to must differ`);
        return [];
      }
      return [{ kind: 'weekly', from: wf, to: wt, timeZone, reason }];
    }
    const from = r.str(o, 'from', `${path}[${i}]`, { hint: 'an ISO timestamp' });
    const to = r.str(o, 'to', `${path}[${i}]`, { hint: 'an ISO timestamp' });
    const reason = r.str(o, 'reason', `${path}[${i}]`, { required: false }) ?? 'change freeze';
    if (!from || !to) return [];
    if (Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)) || Date.parse(from) >= Date.parse(to)) {
      r.fail(`${path}[${i}]`, `'${from}'..'${to}' is not a valid window (ISO timestamps, from before to)`);
      return [];
    }
    return [{ from, to, reason }];
  });
}

function readSlack(r: Reader, s: Obj): SlackConfig {
  const mode = r.str(s, 'mode', 'slack', { required: false }) ?? 'socket';
  if (mode !== 'socket' && mode !== 'http') r.fail('slack.mode', `'${mode}' is not a mode; use socket or http`);
  const botToken =
    r.str(s, 'botToken', 'slack', {
      pattern: /^xoxb-/,
      hint: 'a bot token starting with xoxb- (e.g. ${SLACK_BOT_TOKEN})',
    }) ?? '';
  const appToken = r.str(s, 'appToken', 'slack', {
    required: mode === 'socket',
    pattern: /^xapp-/,
    hint: 'Socket Mode needs an app-level token starting with xapp-',
  });
  const signingSecret = r.str(s, 'signingSecret', 'slack', {
    required: mode === 'http',
    hint: 'HTTP mode needs the signing secret',
  });
  return {
    mode: mode === 'http' ? 'http' : 'socket',
    botToken,
    ...opt('appToken', appToken),
    ...opt('signingSecret', signingSecret),
    ...opt('botUserId', r.str(s, 'botUserId', 'slack', { required: false })),
    ...opt('botId', r.str(s, 'botId', 'slack', { required: false })),
    ...opt('apiUrl', r.str(s, 'apiUrl', 'slack', { required: false })),
    port: r.int(s, 'port', 'slack', 3000, 1, 65535),
  };
}

const SECRET_KEY = /(token|secret|password|apikey|secretaccesskey|privatekey)$/i;

/** A deep copy with every secret-looking value replaced, safe to print or log. */
export function redactConfig<T>(value: T): T {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string' && SECRET_KEY.test(key) && v.length > 0) return '***redacted***';
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value, '') as T;
}

export function formatConfigIssues(source: string, issues: readonly ConfigIssue[]): string {
  return [
    `configuration ${source} has ${issues.length} problem(s):`,
    ...issues.map((i) => `  - ${i.path}: ${i.problem}`),
  ].join('\n');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function readCluster(r: Reader, cl: Obj, path: string): ClusterConfig | undefined {
  const name = r.str(cl, 'name', path);
  const kubeContext = r.str(cl, 'kubeContext', path);
  const kubeconfig = r.str(cl, 'kubeconfig', path, { required: false });
  const namespaceSuffix = r.str(cl, 'namespaceSuffix', path, { required: false, pattern: /^-?[a-z0-9-]{0,20}$/ }) ?? '';
  const t = r.obj(cl.traffic, `${path}.traffic`, false);
  const kind = r.str(t, 'kind', `${path}.traffic`, { required: false }) ?? 'istio';
  let traffic: TrafficSpec = { kind: 'istio' };
  if (kind === 'alb') {
    traffic = {
      kind: 'alb',
      loadBalancerName: r.str(t, 'loadBalancerName', `${path}.traffic`, { hint: 'e.g. {service}-{env}' }) ?? '',
      listenerPort: r.int(t, 'listenerPort', `${path}.traffic`, 443, 1, 65535),
      targetGroupName: r.str(t, 'targetGroupName', `${path}.traffic`, { hint: 'e.g. {service}-{env}-{colour}' }) ?? '',
    };
    if (traffic.targetGroupName && !traffic.targetGroupName.includes('{colour}'))
      r.fail(`${path}.traffic.targetGroupName`, 'must contain {colour}: each colour has its own target group');
  } else if (kind !== 'istio') r.fail(`${path}.traffic.kind`, `'${kind}' is not a traffic kind; use istio or alb`);
  if (!name || !kubeContext) return undefined;
  return { name, kubeContext, ...opt('kubeconfig', kubeconfig), namespaceSuffix, traffic };
}

function readServices(r: Reader, raw: unknown): Record<string, ServiceConfig> {
  const o = r.obj(raw, 'services', false);
  const out: Record<string, ServiceConfig> = {};
  for (const [name, v] of Object.entries(o)) {
    const path = `services.${name}`;
    // <service>-green must stay a DNS label, and ALB target group names are at most 32 characters.
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(name))
      r.fail(path, 'service names are lower-case letters, digits and - (at most 40), e.g. payments-api');
    const s = r.obj(v, path);
    const namespace = r.str(s, 'namespace', path, { pattern: DNS_LABEL, hint: 'a namespace name, e.g. payments' });
    const image = r.str(s, 'image', path, {
      pattern: /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/,
      hint: 'an image repository without tag, e.g. ghcr.io/example/payments-api',
    });
    const port = r.int(s, 'port', path, 8080, 1, 65535);
    const replicas = r.int(s, 'replicas', path, 2, 1, 100);
    const rollout = readRolloutPolicy(r, r.obj(s.rollout, `${path}.rollout`, false), `${path}.rollout`);
    if (namespace && image) out[name] = { name, namespace, image, port, replicas, rollout };
  }
  return out;
}

function readSeconds(r: Reader, o: Obj, key: string, path: string, fallback: string): number {
  const raw = o[key] ?? fallback;
  const s = parseDurationSeconds(raw);
  if (s === undefined) {
    r.fail(`${path}.${key}`, `'${show(raw)}' is not a duration; use e.g. 30s, 5m, 1h`);
    return parseDurationSeconds(fallback) ?? 60;
  }
  return s;
}

function readRolloutPolicy(r: Reader, o: Obj, path: string): RolloutPolicy {
  const rawSteps = o.steps ?? [10, 50, 100];
  let steps: number[] = [10, 50, 100];
  if (
    !Array.isArray(rawSteps) ||
    rawSteps.length === 0 ||
    rawSteps.some(
      (x, i) =>
        typeof x !== 'number' ||
        !Number.isInteger(x) ||
        x < 1 ||
        x > 100 ||
        (i > 0 && x <= (rawSteps[i - 1] as number)),
    ) ||
    rawSteps.at(-1) !== 100
  ) {
    r.fail(
      `${path}.steps`,
      `'${show(rawSteps)}' is not a list of rising percentages ending at 100, e.g. [10, 50, 100]`,
    );
  } else steps = rawSteps as number[];
  const analysisRaw = o.analysis ?? [{ provider: 'pods', maxRestarts: 0 }];
  const analysis: AnalysisSpec[] = [];
  if (!Array.isArray(analysisRaw) || analysisRaw.length === 0) {
    r.fail(`${path}.analysis`, 'must be a non-empty list of providers (pods, cloudwatch, http)');
  } else {
    analysisRaw.forEach((a, i) => {
      const spec = readAnalysis(r, r.obj(a, `${path}.analysis[${i}]`), `${path}.analysis[${i}]`);
      if (spec) analysis.push(spec);
    });
  }
  return {
    steps,
    stepSeconds: readSeconds(r, o, 'stepWait', path, '30s'),
    bakeSeconds: readSeconds(r, o, 'bake', path, '5m'),
    readyTimeoutSeconds: readSeconds(r, o, 'readyTimeout', path, '5m'),
    timeBudgetSeconds: readSeconds(r, o, 'timeBudget', path, '1h'),
    analysis,
  };
}

function readAnalysis(r: Reader, a: Obj, path: string): AnalysisSpec | undefined {
  const provider = r.str(a, 'provider', path, { hint: 'pods, cloudwatch or http' });
  switch (provider) {
    case 'pods':
      return { provider, maxRestarts: r.int(a, 'maxRestarts', path, 0, 0, 1000) };
    case 'cloudwatch': {
      const namespace = r.str(a, 'namespace', path, { hint: 'e.g. AWS/ApplicationELB' });
      const metricName = r.str(a, 'metricName', path, { hint: 'e.g. HTTPCode_Target_5XX_Count' });
      const statistic = r.str(a, 'statistic', path, { required: false }) ?? 'Sum';
      if (statistic !== 'Sum' && statistic !== 'Average' && statistic !== 'Maximum')
        r.fail(`${path}.statistic`, `'${statistic}' is not supported; use Sum, Average or Maximum`);
      const max = a.max;
      if (typeof max !== 'number' || max < 0) r.fail(`${path}.max`, 'must be a number >= 0 (fail above it)');
      const dimensions = readStringMap(r, a.dimensions, `${path}.dimensions`);
      if (!namespace || !metricName || typeof max !== 'number') return undefined;
      return {
        provider,
        namespace,
        metricName,
        dimensions,
        statistic: statistic as 'Sum' | 'Average' | 'Maximum',
        max,
      };
    }
    case 'http': {
      const url = r.str(a, 'url', path, { pattern: /^https?:\/\//, hint: 'an http(s) URL; {colour} etc. allowed' });
      const rate = a.minSuccessRate ?? 1;
      if (typeof rate !== 'number' || rate < 0 || rate > 1) r.fail(`${path}.minSuccessRate`, 'must be from 0 to 1');
      if (!url) return undefined;
      return {
        provider,
        url,
        samples: r.int(a, 'samples', path, 5, 1, 100),
        minSuccessRate: typeof rate === 'number' ? rate : 1,
        timeoutMs: r.int(a, 'timeoutMs', path, 2000, 100, 60000),
      };
    }
    case undefined:
      return undefined;
    default:
      r.fail(`${path}.provider`, `'${provider}' is not an analysis provider; use pods, cloudwatch or http`);
      return undefined;
  }
}

/**
 * A rollout service and a Helm release that would own the same Kubernetes objects break each other silently (the
 * release takes over the rollout's Service; the next upgrade leaves it selecting no pods): refused, naming both.
 */
function checkOwnership(
  r: Reader,
  services: Record<string, ServiceConfig>,
  releases: Record<string, ReleaseConfig>,
): void {
  for (const c of catalogCollisions(Object.values(services), Object.values(releases))) {
    r.fail(
      `releases.${c.release}`,
      `would own the same objects as services.${c.service} in namespace ${c.namespace} (${c.names.join(', ')}: ` +
        `a rollout owns ${c.service}, ${c.service}-blue and ${c.service}-green); rename the release (or set ` +
        'values.fullnameOverride) or move one of them to another namespace',
    );
  }
}

function readReleases(r: Reader, raw: unknown): Record<string, ReleaseConfig> {
  const o = r.obj(raw, 'releases', false);
  const out: Record<string, ReleaseConfig> = {};
  for (const [name, v] of Object.entries(o)) {
    const path = `releases.${name}`;
    if (!DNS_LABEL.test(name) || name.length > 53)
      r.fail(path, 'release names are lower-case letters, digits and - (at most 53), e.g. ingress-nginx');
    const x = r.obj(v, path);
    const chart = r.str(x, 'chart', path, {
      pattern: /^(\.\/(?!.*\.\.)[\w./-]+|[a-z0-9-]+\/[a-z0-9-]+)$/,
      hint: 'a local chart ./path inside the repository, or repo/chart',
    });
    const version = r.str(x, 'version', path, { required: false });
    if (chart && !chart.startsWith('./') && !version)
      r.fail(`${path}.version`, 'a repository chart needs a pinned version, e.g. 4.11.3');
    const namespace = r.str(x, 'namespace', path, { pattern: DNS_LABEL, hint: 'a namespace name' });
    const values = x.values === undefined ? undefined : r.obj(x.values, `${path}.values`);
    if (chart && namespace)
      out[name] = {
        name,
        chart,
        namespace,
        ...opt('version', version),
        ...(values ? { values: values as HelmValues } : {}),
      };
  }
  return out;
}
