import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KubeFacts } from '../core/commands/kube-reads';
import { isKubeRead, kubeReadRequest } from '../core/commands/kube-reads';
import type { Command } from '../core/commands/types';
import type { Diagnosis, DiagnosisStop, Evidence } from '../core/llm/diagnose';
import { budgetExhausted, budgetText, diagnoseRequest, wrapToolResult } from '../core/llm/diagnose';
import type { EnvironmentName } from '../core/environments';
import { modelFailureText } from '../core/llm/errors';
import type { CallerPermissions, RefusedCall } from '../core/llm/interpretation';
import { isProposal, judgeToolUse } from '../core/llm/proposal';
import type { DiagnoseBudgets } from '../core/llm/settings';
import type { InferenceSettings, ModelMessage, ModelResponse, ModelToolResult, ModelUsage } from '../core/llm/types';
import { NO_USAGE, addUsage, textOf, toolUsesOf } from '../core/llm/types';
import type { Requester } from '../core/requester';
import { heartbeatToolActivity, shortActivity } from './activity-options';
import type { ModelCallPolicy } from './interpret';
import { modelActivityOptions, modelFailureType } from './interpret';

/** A diagnosis request: the question, the budgets, and the facts the read tools need (regions, names). */
export interface DiagnoseInput {
  /** `diagnose/<requestId>`. */
  readonly id: string;
  readonly question: string;
  readonly requester: Requester;
  readonly permissions: CallerPermissions;
  readonly stacks: readonly string[];
  readonly modelId: string;
  readonly inference: InferenceSettings;
  readonly policy: ModelCallPolicy;
  readonly budgets: DiagnoseBudgets;
  readonly regions: Readonly<Record<EnvironmentName, string>>;
  /** CloudFormation stack name by environment and catalog name. */
  readonly stackNames: Readonly<Record<EnvironmentName, Readonly<Record<string, string>>>>;
  /** Template path (relative to the infra folder) by catalog name. */
  readonly templates: Readonly<Record<string, string>>;
  /** Catalog services and Helm releases (absent in histories recorded before the Kubernetes reads: none). */
  readonly services?: readonly string[];
  readonly releases?: readonly string[];
  /** Namespaces and clusters for the Kubernetes reads (pods, deployments, events, logs, helm history). */
  readonly kube?: KubeFacts;
}

const MAX_CALLS_PER_STEP = 5;
const EXCERPT = 400;

const {
  describeStack,
  getCallerIdentity,
  helmRead,
  k8sRead,
  recordAudit,
  readAuditTail,
  readOperationAudit,
  readRecentOperations,
} = proxyActivities<Activities>(shortActivity);
const { validateTemplates } = proxyActivities<Activities>(heartbeatToolActivity);

/**
 * A bounded, read-only investigation: the model asks for reads, the workflow runs only those the code
 * classifies as read-only (anything else is refused and recorded), until it answers or a budget runs out.
 */
export async function diagnoseWorkflow(input: DiagnoseInput): Promise<Diagnosis> {
  const { converseModel } = proxyActivities<Activities>(modelActivityOptions(input.policy));
  const started = Date.now(); // workflow time: deterministic on replay
  const history: ModelMessage[] = [];
  const evidence: Evidence[] = [];
  const refused: RefusedCall[] = [];
  let usage: ModelUsage = NO_USAGE;
  let steps = 0;
  let stop: DiagnosisStop | undefined;
  let summary = '';
  const remaining = () => input.budgets.timeBudgetMs - (Date.now() - started);

  while (!(stop = budgetExhausted(input.budgets, steps, usage, Date.now() - started))) {
    let response: ModelResponse;
    try {
      const request = diagnoseRequest(input.question, history, catalogOf(input), input.inference);
      response = await CancellationScope.withTimeout(remaining(), () => converseModel({ request }));
    } catch (e) {
      if (!isCancellation(e)) {
        stop = 'model-error';
        summary = modelFailureText(modelFailureType(e), input.policy.maxAttempts);
      } else stop = 'time';
      break;
    }
    steps++;
    usage = addUsage(usage, response.usage);
    history.push(response.message);
    const uses = toolUsesOf(response.message);
    if (uses.length === 0) {
      stop = 'answer';
      summary = textOf(response.message) || 'I found no conclusion.';
      break;
    }
    const results: ModelToolResult[] = [];
    for (const u of uses.slice(0, MAX_CALLS_PER_STEP)) {
      const judged = judgeToolUse(u, {
        ...catalogOf(input),
        permissions: input.permissions,
        autoRun: { environments: [], unscoped: false },
        allowedEffects: ['read'],
      });
      if (!isProposal(judged)) {
        refused.push(judged);
        results.push(wrapToolResult(u.toolUseId, undefined, false, `refused: ${judged.reason}`));
        continue;
      }
      const { ok, data } = await runRead(judged.command, input, remaining());
      evidence.push({ line: judged.line, ok, excerpt: JSON.stringify(data).slice(0, EXCERPT) });
      results.push(wrapToolResult(u.toolUseId, judged.command, ok, data));
    }
    history.push({ role: 'user', content: results.map((toolResult) => ({ toolResult })) });
  }
  const diagnosis: Diagnosis = {
    id: input.id,
    question: input.question,
    summary: summary || budgetText(stop, input.budgets),
    evidence,
    refused,
    stoppedBy: stop,
    usage,
  };
  await audit(input, diagnosis);
  return diagnosis;
}

/** Runs one read; failures become data for the model ("not found", "access denied"), not a crash. */
async function runRead(c: Command, input: DiagnoseInput, timeMs: number): Promise<{ ok: boolean; data: unknown }> {
  try {
    return { ok: true, data: await CancellationScope.withTimeout(Math.max(timeMs, 1), () => read(c, input)) };
  } catch (e) {
    if (isCancellation(e)) return { ok: false, data: 'the time budget ran out during this read' };
    return {
      ok: false,
      data: `failed: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`,
    };
  }
}

const catalogOf = (input: DiagnoseInput) => ({
  stacks: input.stacks,
  services: input.services ?? [],
  releases: input.releases ?? [],
});

const NO_KUBE: KubeFacts = { serviceNamespaces: {}, releaseNamespaces: {}, clusters: {} };

async function read(c: Command, input: DiagnoseInput): Promise<unknown> {
  if (isKubeRead(c)) {
    // Same request the command builds for a person (namespace from the catalog + the cluster's suffix). Pod logs
    // are world data like any other: wrapped as untrusted for the model, and nothing here can write.
    const r = kubeReadRequest(c, input.kube ?? NO_KUBE);
    return r.tool === 'helm'
      ? helmRead({ environment: r.environment, request: r.request })
      : k8sRead({ environment: r.environment, request: r.request });
  }
  switch (c.name) {
    case 'stack-status':
      return describeStack({ region: input.regions[c.env], stackName: input.stackNames[c.env][c.stack] ?? c.stack });
    case 'validate':
      return validateTemplates({ files: [input.templates[c.path] ?? c.path.replace(/^infra\//, '')] });
    case 'audit':
      return readAuditTail({ n: Math.min(c.n, 50) });
    case 'list':
      return readRecentOperations({ limit: 20 });
    case 'operation-status':
      return readOperationAudit({ operationId: c.op });
    case 'whoami':
      return getCallerIdentity({ environment: c.env, region: input.regions[c.env] });
    default:
      return Promise.reject(new Error(`${c.name} is not available during diagnosis`));
  }
}

async function audit(input: DiagnoseInput, d: Diagnosis): Promise<void> {
  const base = { actor: input.requester.userId, operationId: input.id, environment: '-' };
  if (d.refused.length) {
    await recordAudit({
      ...base,
      key: `${input.id}|proposal-refused`,
      action: 'proposal-refused',
      target: d.refused.map((r) => r.tool).join(' ; '),
      details: {
        refused: d.refused.map((r) => `${r.tool} ${JSON.stringify(r.input)}: ${r.reason}`),
        source: 'diagnosis',
      },
    });
  }
  await recordAudit({
    ...base,
    key: `${input.id}|diagnosed`,
    action: 'diagnosed',
    target: d.evidence.map((e) => e.line).join(' ; ') || '-',
    details: {
      via: input.requester.via,
      question: input.question.slice(0, 300),
      stoppedBy: d.stoppedBy,
      modelId: input.modelId,
      usage: d.usage,
    },
  });
}
