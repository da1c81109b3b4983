import { resolveApprovers } from '../approval';
import type { AuditEntry } from '../audit';
import { kubeFacts } from '../commands/kube-reads';
import type { AppConfig } from '../config';
import { ENVIRONMENTS } from '../environments';
import type { EnvironmentName } from '../environments';
import type { Requester } from '../requester';
import type { CallerPermissions, InterpretResult } from './interpretation';
import type { ProposalContext } from './proposal';

/** What the configuration lets this person be offered: known user or not, approver where. */
export function permissionsOf(config: AppConfig, requester: Requester): CallerPermissions {
  return {
    userId: requester.userId,
    known: config.users[requester.userId] !== undefined,
    approverIn: ENVIRONMENTS.filter((e) =>
      resolveApprovers(config.environments[e].approval, config.users).includes(requester.userId),
    ),
  };
}

/** The facts proposals are judged against; with no `llm:` section nothing runs without asking. */
export function proposalContext(config: AppConfig, requester: Requester): ProposalContext {
  return {
    stacks: Object.keys(config.stacks),
    services: Object.keys(config.services),
    releases: Object.keys(config.releases),
    permissions: permissionsOf(config, requester),
    autoRun: config.llm?.autoRunReads ?? { environments: [], unscoped: false },
  };
}

/**
 * Region, CloudFormation name and template of every catalog stack, and the services, releases and namespaces
 * the Kubernetes reads need, for the diagnosis reads.
 */
export function diagnosisFacts(config: AppConfig, stackName: (stack: string, env: EnvironmentName) => string) {
  const names = (env: EnvironmentName) =>
    Object.fromEntries(Object.keys(config.stacks).map((s) => [s, stackName(s, env)]));
  return {
    regions: {
      dev: config.environments.dev.region,
      tst: config.environments.tst.region,
      prd: config.environments.prd.region,
    },
    stackNames: { dev: names('dev'), tst: names('tst'), prd: names('prd') },
    templates: Object.fromEntries(Object.entries(config.stacks).map(([k, v]) => [k, v.template])),
    services: Object.keys(config.services),
    releases: Object.keys(config.releases),
    kube: kubeFacts(config),
  };
}

/** The audit entry for an interpretation made without a model (the workflow audits model ones). */
export function offlineAuditEntry(text: string, r: InterpretResult, requester: Requester): AuditEntry {
  const action = r.kind === 'refuse' ? 'proposal-refused' : 'proposed';
  const lines = r.kind === 'proposals' ? r.proposals.map((p) => p.line) : [];
  return {
    key: `${r.id}|${action}`,
    action,
    actor: requester.userId,
    operationId: r.id,
    environment: /\b(dev|tst|prd)\b/.exec(lines.join(' '))?.[1] ?? '-',
    target: lines.join(' ; ') || r.kind,
    details: {
      via: requester.via,
      text: text.slice(0, 300),
      kind: r.kind,
      source: r.source,
      ...(r.kind === 'refuse' ? { reason: r.reason } : {}),
    },
  };
}
