import { isCancellation, proxyActivities } from '@temporalio/workflow';
import { verifyReport } from '../core/verify/report';
import type { Activities } from '../activities';
import type { EnvironmentName } from '../core/environments';
import type { ServiceTarget, TrafficSpec } from '../core/rollout/types';
import type { VerifyReport } from '../core/verify/report';
import { buildServiceVerifyReport } from '../core/verify/service';
import { buildStackVerifyReport } from '../core/verify/stack';
import { kubernetesDriftActivity, notifyActivity, shortActivity } from './activity-options';

const { readStackVerification } = proxyActivities<Activities>(shortActivity);
const { readServiceState } = proxyActivities<Activities>(kubernetesDriftActivity);
const { raiseVerifyAlert } = proxyActivities<Activities>(notifyActivity);

/** Where a verification's alert goes (the environment's alerts channel); absent: no alert. */
export interface VerifyAlerts {
  readonly channel?: string;
}

/** Input of `verify {stack} {env}`: the catalog stack and where it is deployed, resolved from config. */
export interface VerifyStackInput {
  readonly environment: EnvironmentName;
  readonly stack: string;
  readonly stackName: string;
  readonly region: string;
  readonly alerts?: VerifyAlerts;
}

/** Input of `verify service {service} {env}`: the service's target and its environment's traffic router. */
export interface VerifyServiceInput {
  readonly environment: EnvironmentName;
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
  readonly alerts?: VerifyAlerts;
}

/** Reads the stack (one activity) and judges it (core/verify/stack.ts). */
export async function verifyStack(input: Omit<VerifyStackInput, 'alerts'>): Promise<VerifyReport> {
  const state = await readStackVerification({ region: input.region, stackName: input.stackName });
  return buildStackVerifyReport(input.environment, input.stack, state);
}

/**
 * Raises (a failure) or resolves (a pass) the verification's on-call alert `verify/<env>/<subject>`. Nothing deployed
 * raises nothing. An alert that could not be sent is not the person's answer: the report is returned all the same.
 */
export async function alertVerification(report: VerifyReport, alerts: VerifyAlerts | undefined): Promise<void> {
  if (!alerts || report.status === 'NOT_DEPLOYED') return;
  try {
    await raiseVerifyAlert({ report, ...(alerts.channel ? { channel: alerts.channel } : {}) });
  } catch (e) {
    if (isCancellation(e)) throw e;
  }
}

/** Read-only: `verify {stack} {env}`. A failing verification alerts on call, a passing one resolves that alert. */
export async function verifyStackWorkflow(input: VerifyStackInput): Promise<VerifyReport> {
  const report = await verifyStack(input);
  await alertVerification(report, input.alerts);
  return report;
}

/**
 * The verification after a rollout: the live colour read now and judged. One that could not be read is a failed
 * check saying why, never a failed rollout (the traffic has moved; the report and the alert say what is wrong).
 */
export async function verifyServiceAfterRollout(input: Omit<VerifyServiceInput, 'alerts'>): Promise<VerifyReport> {
  try {
    const state = await readServiceState({ target: input.target, traffic: input.traffic });
    return buildServiceVerifyReport(input.environment, state);
  } catch (e) {
    if (isCancellation(e)) throw e;
    let root: unknown = e;
    while (root instanceof Error && root.cause instanceof Error) root = root.cause;
    const why = root instanceof Error ? root.message : String(root);
    const base = {
      kind: 'service' as const,
      environment: input.environment,
      subject: input.target.service,
      target: input.target.namespace,
      checkedAt: new Date().toISOString(),
    };
    return verifyReport(base, [{ name: 'verification', passed: false, detail: `could not run: ${why}` }]);
  }
}

/** In an operation's outcome message: `verification passed (4 checks)` or which checks failed. */
export function verificationWords(v: VerifyReport): string {
  if (v.status === 'PASSED') return `verification passed (${v.checks.length} checks)`;
  if (v.status === 'NOT_DEPLOYED') return `verification found nothing deployed: ${v.reason ?? ''}`;
  return `verification FAILED: ${v.checks
    .filter((c) => !c.passed)
    .map((c) => c.name)
    .join(', ')}`;
}

/** Read-only: `verify service {service} {env}`: the live colour Ready on the applied image. Alerts like a stack's. */
export async function verifyServiceWorkflow(input: VerifyServiceInput): Promise<VerifyReport> {
  const state = await readServiceState({ target: input.target, traffic: input.traffic });
  const report = buildServiceVerifyReport(input.environment, state);
  await alertVerification(report, input.alerts);
  return report;
}
