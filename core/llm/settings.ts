import { parseDurationSeconds } from '../duration';
import { ENVIRONMENTS, isEnvironmentName } from '../environments';
import type { EnvironmentName } from '../environments';
import type { AutoRunPolicy } from './interpretation';

/** Budgets of one diagnosis: the loop stops at whichever runs out first. */
export interface DiagnoseBudgets {
  /** Model calls, default 6. */
  readonly maxSteps: number;
  /** Input + output tokens over the whole loop, default 40000. */
  readonly maxTokens: number;
  /** Wall time of the whole loop, default 120 s. */
  readonly timeBudgetMs: number;
}

/**
 * The optional `llm:` section: Claude on Bedrock through the Converse API. Without it infra-agent uses the
 * grammar and the deterministic near-miss matcher only. Credentials are never configured here: the worker's
 * AWS credentials (the `aws:` block or the default chain) sign the calls, and no prompt ever contains them.
 */
export interface LlmConfig {
  /** Bedrock model or inference-profile id, e.g. anthropic.claude-3-5-sonnet-20240620-v1:0. */
  readonly modelId: string;
  readonly region: string;
  /** Only for the local fake or a VPC endpoint; real Bedrock leaves it out. */
  readonly endpoint?: string;
  /** Output tokens per call, default 1024. */
  readonly maxTokens: number;
  /** Default 0: routing should be repeatable. */
  readonly temperature: number;
  /** Per call, default 30 s. */
  readonly timeoutMs: number;
  /** Attempts per call on throttling and service errors (exponential backoff), default 4. */
  readonly maxAttempts: number;
  /** First backoff interval, default 2 s (tests shorten it). */
  readonly backoffMs: number;
  readonly diagnose: DiagnoseBudgets;
  /** Which read-only proposals run without asking. Default: dev and tst, and reads tied to no environment. */
  readonly autoRunReads: AutoRunPolicy;
}

type Issue = { path: string; problem: string };
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates the `llm:` section; every problem is named, like the rest of the configuration. */
export function readLlmConfig(raw: unknown): { value?: LlmConfig; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string) => void issues.push({ path: `llm${path}`, problem });
  if (!isObj(raw)) return { issues: [{ path: 'llm', problem: 'must be a mapping (or leave it out for no model)' }] };
  const str = (o: Obj, k: string, path: string): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') fail(`${path}.${k}`, `must be a string, got ${typeof v}`);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (o: Obj, k: string, path: string, fallback: number, min: number, max: number, int = true): number => {
    const v = o[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || (int && !Number.isInteger(v)) || v < min || v > max) {
      fail(
        `${path}.${k}`,
        `must be ${int ? 'an integer' : 'a number'} from ${min} to ${max}, got '${JSON.stringify(v)}'`,
      );
      return fallback;
    }
    return v;
  };
  const ms = (o: Obj, k: string, path: string, fallbackMs: number): number => {
    if (o[k] === undefined) return fallbackMs;
    const s = parseDurationSeconds(o[k]);
    if (s === undefined) fail(`${path}.${k}`, `'${JSON.stringify(o[k])}' is not a duration; use e.g. 30s, 2m`);
    return s === undefined ? fallbackMs : s * 1000;
  };
  const modelId = str(raw, 'modelId', '');
  if (!modelId) fail('.modelId', 'is missing; a Bedrock model id (e.g. ${INFRA_AGENT_LLM_MODEL_ID}), or remove llm');
  const region = str(raw, 'region', '') ?? 'us-east-1';
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) fail('.region', `'${region}' is not an AWS region`);
  const endpoint = str(raw, 'endpoint', '');
  if (endpoint && !/^https?:\/\//.test(endpoint)) fail('.endpoint', 'use an http(s) URL');
  const d = isObj(raw.diagnose) ? raw.diagnose : {};
  const auto = isObj(raw.autoRunReads) ? raw.autoRunReads : {};
  const envs = Array.isArray(auto.environments) ? auto.environments : ['dev', 'tst'];
  const bad = envs.filter((e) => typeof e !== 'string' || !isEnvironmentName(e));
  if (bad.length)
    fail('.autoRunReads.environments', `unknown environment(s) ${bad.join(', ')}; use ${ENVIRONMENTS.join(', ')}`);
  if (auto.unscoped !== undefined && typeof auto.unscoped !== 'boolean')
    fail('.autoRunReads.unscoped', 'must be true or false');
  const value: LlmConfig = {
    modelId: modelId ?? '',
    region,
    ...(endpoint ? { endpoint } : {}),
    maxTokens: num(raw, 'maxTokens', '', 1024, 64, 8192),
    temperature: num(raw, 'temperature', '', 0, 0, 1, false),
    timeoutMs: ms(raw, 'timeout', '', 30_000),
    maxAttempts: num(raw, 'maxAttempts', '', 4, 1, 10),
    backoffMs: ms(raw, 'backoff', '', 2_000),
    diagnose: {
      maxSteps: num(d, 'maxSteps', '.diagnose', 6, 1, 20),
      maxTokens: num(d, 'maxTokens', '.diagnose', 40_000, 1_000, 500_000),
      timeBudgetMs: ms(d, 'timeBudget', '.diagnose', 120_000),
    },
    autoRunReads: {
      environments: envs.filter((e): e is EnvironmentName => typeof e === 'string' && isEnvironmentName(e)),
      unscoped: typeof auto.unscoped === 'boolean' ? auto.unscoped : true,
    },
  };
  return issues.length ? { issues } : { value, issues };
}
