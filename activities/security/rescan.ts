import type { EnvironmentName } from '../../core/environments';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type { ScanResult } from '../../core/security/findings';
import { countsText } from '../../core/security/findings';
import type { RescannedImage } from '../../core/security/rescan';
import { waiverExcuse } from '../../core/security/waivers';
import type { SecurityDeps } from '.';
import { scanImage } from '.';

export interface RescanImageInput {
  readonly image: string;
  readonly environment: EnvironmentName;
}

/**
 * A scheduled rescan of one running image: trivy against the current DB, then the environment's waivers for this
 * exact digest (active ones excuse a finding; a schedule requested nothing, so nobody's waivers are their own).
 * A scan that fails is a result with `error` (the alert stays as it was), never a clean one.
 */
export async function rescanImage(deps: SecurityDeps, input: RescanImageInput): Promise<RescannedImage> {
  const now = (deps.now ?? (() => new Date()))();
  let scan: ScanResult;
  try {
    scan = await scanImage(deps, { ref: input.image });
  } catch (e) {
    // Cancellation and a worker's own failures are Temporal's to retry; a scan trivy refused is the answer.
    if (e instanceof InvalidInput || e instanceof ToolMissing)
      return {
        image: input.image,
        critical: [],
        waived: [],
        criticalNotListed: 0,
        error: e.message,
        scannedAt: now.toISOString(),
      };
    throw e;
  }
  const waivers =
    deps.waivers && scan.digest
      ? (await deps.waivers.list(input.environment)).filter((w) => w.digest === scan.digest)
      : [];
  const { excuse } = waiverExcuse(waivers, now, undefined);
  const critical = scan.findings.filter((f) => f.kind === 'vuln' && f.severity === 'CRITICAL');
  const waived: string[] = [];
  const open = critical.filter((f) => {
    const why = excuse(f, scan);
    if (why) waived.push(`${f.id} ${f.severity} ${why}`);
    return !why;
  });
  return {
    image: input.image,
    ...(scan.digest ? { digest: scan.digest } : {}),
    critical: open,
    waived,
    criticalNotListed: Math.max(0, scan.counts.CRITICAL - critical.length),
    counts: countsText(scan.counts),
    ...(scan.db?.updatedAt ? { dbUpdatedAt: scan.db.updatedAt } : {}),
    scannedAt: scan.scannedAt,
  };
}

export function createRescanActivities(deps: SecurityDeps | undefined) {
  return {
    rescanImage: (i: RescanImageInput) => {
      if (!deps)
        throw new InvalidInput(
          'rescans need a security section in the config (security.trivy, security.images); see docs/security.md',
        );
      return rescanImage(deps, i);
    },
  };
}
