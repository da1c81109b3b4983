import type { EnvironmentName } from '../environments';
import type { VerifyCheck, VerifyReport } from './report';
import { notDeployed, verifyReport } from './report';

/** A resource the deployed template declares (its `Condition`, when it has one: it may rightly be absent). */
export interface DeclaredResource {
  readonly logicalId: string;
  readonly type: string;
  readonly condition?: string;
}

/** A resource as CloudFormation lists it (DescribeStackResources). */
export interface StackResourceState {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
  readonly status: string;
  readonly reason?: string;
}

/** A resource looked up in the API of its service (EC2 today: VPC, subnet, security group). */
export interface LiveLookup {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly found: boolean;
}

/** What `readStackVerification` returns: the stack as CloudFormation and the services' APIs see it. JSON-safe. */
export interface StackVerifyState {
  readonly stackName: string;
  readonly checkedAt: string;
  readonly exists: boolean;
  readonly status?: string;
  readonly reason?: string;
  /** From the deployed template (GetTemplate); absent when it could not be read (`templateError` says why). */
  readonly declared?: readonly DeclaredResource[];
  readonly declaredOutputs?: readonly { readonly key: string; readonly condition?: string }[];
  readonly templateError?: string;
  readonly resources: readonly StackResourceState[];
  readonly outputs: Readonly<Record<string, string>>;
  readonly lookups: readonly LiveLookup[];
}

/** Statuses of a stack that settled on what was asked (not a rollback, not a delete, not in progress). */
const SETTLED = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/;
const RESOURCE_OK = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/;

function resourceCheck(d: DeclaredResource, live: StackResourceState | undefined): VerifyCheck {
  const name = `resource ${d.logicalId} (${d.type})`;
  if (!live) {
    if (d.condition)
      return { name, passed: true, detail: `not created: condition ${d.condition} is false in this deployment` };
    return { name, passed: false, detail: 'declared in the deployed template, but the stack has no such resource' };
  }
  const where = live.physicalId ? ` ${live.physicalId}` : '';
  if (RESOURCE_OK.test(live.status)) return { name, passed: true, detail: `${live.status}${where}` };
  return { name, passed: false, detail: `${live.status}${where}${live.reason ? ` — ${live.reason}` : ''}` };
}

function outputChecks(s: StackVerifyState): VerifyCheck[] {
  const declared: readonly { key: string; condition?: string }[] =
    s.declaredOutputs ?? Object.keys(s.outputs).map((key) => ({ key }));
  if (!declared.length) return [{ name: 'outputs', passed: true, detail: 'the template declares none' }];
  return declared.map(({ key, condition }) => {
    const value = s.outputs[key];
    const name = `output ${key}`;
    if (value === undefined && condition)
      return { name, passed: true, detail: `not set: condition ${condition} is false in this deployment` };
    if (value === undefined) return { name, passed: false, detail: 'declared in the template, missing on the stack' };
    if (value.trim() === '') return { name, passed: false, detail: 'present but empty' };
    return { name, passed: true, detail: 'present' };
  });
}

/**
 * `verify {stack} {env}` and the check after a deploy: the stack settled on a *_COMPLETE that is no rollback; every
 * resource of its deployed template exists, CREATE/UPDATE_COMPLETE; every declared output is set and non-empty; and
 * the resources EC2 can describe (VPC, subnet, security group) exist in EC2 itself, not only in CloudFormation's
 * books. Output values are not shown (only whether they are set).
 */
export function buildStackVerifyReport(environment: EnvironmentName, stack: string, s: StackVerifyState): VerifyReport {
  const base = { kind: 'stack' as const, environment, subject: stack, target: s.stackName, checkedAt: s.checkedAt };
  if (!s.exists) return notDeployed(base, `${s.stackName} (stack ${stack}) has never been deployed to ${environment}`);
  const checks: VerifyCheck[] = [
    {
      name: 'stack status',
      passed: SETTLED.test(s.status ?? ''),
      detail: `${s.status ?? 'UNKNOWN'}${s.reason && !SETTLED.test(s.status ?? '') ? ` — ${s.reason}` : ''}`,
    },
  ];
  const byId = new Map(s.resources.map((r) => [r.logicalId, r]));
  if (s.declared) {
    checks.push(...s.declared.map((d) => resourceCheck(d, byId.get(d.logicalId))));
    const declared = new Set(s.declared.map((d) => d.logicalId));
    for (const r of s.resources.filter((x) => !declared.has(x.logicalId))) {
      checks.push({
        name: `resource ${r.logicalId} (${r.type})`,
        passed: false,
        detail: `${r.status}: on the stack but not in its deployed template`,
      });
    }
  } else {
    checks.push({ name: 'deployed template', passed: false, detail: `could not be read: ${s.templateError ?? '?'}` });
    checks.push(...s.resources.map((r) => resourceCheck({ logicalId: r.logicalId, type: r.type }, r)));
  }
  checks.push(...outputChecks(s));
  for (const l of s.lookups) {
    checks.push({
      name: `live ${l.logicalId} (${l.type})`,
      passed: l.found,
      detail: l.found
        ? `${l.physicalId} exists in EC2`
        : `${l.physicalId} is not found in EC2 (deleted outside infra-agent?)`,
    });
  }
  return verifyReport(base, checks);
}
