import { isCancellation, proxyActivities } from '@temporalio/workflow';
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

/** Read-only: `verify service {service} {env}`: the live colour Ready on the applied image. Alerts like a stack's. */
export async function verifyServiceWorkflow(input: VerifyServiceInput): Promise<VerifyReport> {
  const state = await readServiceState({ target: input.target, traffic: input.traffic });
  const report = buildServiceVerifyReport(input.environment, state);
  await alertVerification(report, input.alerts);
  return report;
}
