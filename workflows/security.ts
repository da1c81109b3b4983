import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ScanResult } from '../core/security/findings';
import { heartbeatToolActivity } from './activity-options';

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
