import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GrantWaiverInput, RevokeWaiverInput } from '../activities/security/waivers';
import type { ServiceVulnsActivityInput } from '../activities/k8s';
import type { EnvironmentName } from '../core/environments';
import type { ServiceVulnsReport } from '../core/security/cluster-reports';
import type { ScanResult } from '../core/security/findings';
import type { Waiver, WaiverView } from '../core/security/waivers';
import { heartbeatToolActivity, shortActivity } from './activity-options';

// trivy is a read: retried like the other tools; a missing or corrupt DB (ToolMissing) and bad input fail at once.
const { scanImage, scanConfig } = proxyActivities<Activities>(heartbeatToolActivity);

/** Read-only: `scan image {ref}` and `scan {service} {version}` — trivy over the image (docs/security.md). */
export async function scanImageWorkflow(input: { readonly ref: string }): Promise<ScanResult> {
  return scanImage({ ref: input.ref });
}

/** Read-only: `scan config {path}` — trivy config over a file or folder inside the configured roots. */
export async function scanConfigWorkflow(input: { readonly path: string }): Promise<ScanResult> {
  return scanConfig({ path: input.path });
}

const { grantWaiver, revokeWaiver } = proxyActivities<Activities>(heartbeatToolActivity);
const { listWaivers } = proxyActivities<Activities>(shortActivity);

/**
 * `waive {finding} for {image} in {env} for {duration} because {reason}`: the activity checks the person may approve
 * in the environment, scans the image to bind the waiver to its digest, stores and audits it (docs/security.md).
 */
export async function waiveWorkflow(input: GrantWaiverInput): Promise<Waiver> {
  return grantWaiver(input);
}

/** `unwaive {id}`: an approver of the waiver's environment revokes it. */
export async function unwaiveWorkflow(input: RevokeWaiverInput): Promise<WaiverView> {
  return revokeWaiver(input);
}

/** Read-only: `waivers {env}`, each with its status now (active, expired, revoked). */
export async function listWaiversWorkflow(input: { readonly environment: EnvironmentName }): Promise<WaiverView[]> {
  return listWaivers(input);
}

const { readServiceVulns } = proxyActivities<Activities>(shortActivity);

/** Read-only: `vulns {service} {env}` — Trivy Operator's reports for the service's live workloads. */
export async function serviceVulnsWorkflow(input: ServiceVulnsActivityInput): Promise<ServiceVulnsReport> {
  return readServiceVulns(input);
}
