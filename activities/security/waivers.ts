import { createHash } from 'node:crypto';
import type { AuditLog } from '../../core/audit';
import { resolveApprovers } from '../../core/approval';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput, PermissionDenied } from '../../core/errors';
import { findingLine } from '../../core/security/findings';
import type { Waiver, WaiverStore, WaiverView } from '../../core/security/waivers';
import {
  DEFAULT_MAX_WAIVER_DAYS,
  findingIdProblem,
  viewOf,
  WAIVER_ID,
  waiverDuration,
  waiverLength,
} from '../../core/security/waivers';
import type { SecurityDeps } from '.';
import { scanImage } from '.';

/** What the waiver activities need: the scan (to bind a waiver to a digest), the store, the audit, the policy. */
export interface WaiverDeps {
  readonly security: SecurityDeps;
  readonly store: WaiverStore;
  readonly audit: AuditLog;
  /** The worker's own environments and people: who may approve (and so waive) where. */
  readonly policyConfig: Pick<AppConfig, 'environments' | 'users'>;
  readonly now?: () => Date;
}

export interface GrantWaiverInput {
  readonly findingId: string;
  readonly image: string;
  readonly environment: EnvironmentName;
  readonly duration: string;
  readonly reason: string;
  readonly by: string;
  /** The request that asked: a retried grant of the same request is the same waiver. */
  readonly requestId: string;
  /**
   * The gateway checked the approver's MFA code (as for an approval). Required where the worker's config says
   * approvals in the environment need MFA (`approval.mfa`); the code itself never crosses into Temporal.
   */
  readonly mfaVerified?: boolean;
}

export interface RevokeWaiverInput {
  readonly id: string;
  readonly by: string;
  readonly requestId: string;
}

function approversOf(deps: WaiverDeps, env: EnvironmentName): string[] {
  const e = deps.policyConfig.environments[env];
  if (!e)
    throw new InvalidInput(
      `environment: '${String(env)}' is not configured on this worker; use one under environments:`,
    );
  return resolveApprovers(e.approval, deps.policyConfig.users);
}

function mustApprove(deps: WaiverDeps, env: EnvironmentName, who: string, what: string): void {
  const approvers = approversOf(deps, env);
  if (!approvers.includes(who))
    throw new PermissionDenied(
      `${who} may not ${what} in ${env}: only the people who may approve there may (approvers: ${approvers.join(', ') || 'none'})`,
    );
}

/**
 * Grants a waiver: the person must be an approver of the environment; the finding id, the duration (at most
 * security.waivers.maxDays) and the reason are checked; the image is scanned so the waiver is bound to the digest
 * trivy reports for it and names a finding the image really has. Idempotent: the id comes from the request, and
 * the store and the audit keep the first of a retried grant.
 */
export async function grantWaiver(deps: WaiverDeps, input: GrantWaiverInput): Promise<Waiver> {
  const problem = findingIdProblem(input.findingId);
  if (problem) throw new InvalidInput(`finding: ${problem}`);
  const maxDays = deps.security.config.waivers?.maxDays ?? DEFAULT_MAX_WAIVER_DAYS;
  const seconds = waiverDuration(input.duration, maxDays);
  if (typeof seconds === 'string') throw new InvalidInput(`duration: ${seconds}`);
  const reason = input.reason.trim();
  if (reason.length < 10)
    throw new InvalidInput(
      `reason: '${reason}' is too short to tell an auditor why; say why the risk is acceptable, e.g. "not reachable: defaultsDeep is never called"`,
    );
  mustApprove(deps, input.environment, input.by, 'waive findings');
  if (deps.policyConfig.environments[input.environment]?.approval.mfa && input.mfaVerified !== true)
    throw new PermissionDenied(
      `waivers in ${input.environment} need the approver's MFA code, as approvals there do: run the waive again ` +
        'with your current code (the terminal asks for it, or give --mfa-code)',
    );
  const id = `wv-${createHash('sha256').update(`waiver/${input.requestId}`).digest('hex').slice(0, 10)}`;
  // A retried grant: the waiver may be stored already (and its audit record written or not: the key makes it once).
  const existing = await deps.store.get(id);
  if (existing) return auditGrant(deps, existing, input.mfaVerified === true);

  const scan = await scanImage(deps.security, { ref: input.image });
  if (!scan.digest) throw new InvalidInput(`image: trivy reported no digest for ${input.image}; a waiver needs one`);
  const found = scan.findings.find((f) => f.id === input.findingId);
  if (!found) {
    const ids = [...new Set(scan.findings.map((f) => f.id))].slice(0, 8);
    throw new InvalidInput(
      `finding: ${input.findingId} is not a finding of ${input.image} (${scan.digest.slice(0, 19)}); ` +
        (ids.length ? `its findings: ${ids.join(', ')}` : 'it has no findings, so there is nothing to waive'),
    );
  }
  const now = (deps.now ?? (() => new Date()))();
  const waiver: Waiver = {
    id,
    environment: input.environment,
    findingId: input.findingId,
    image: input.image,
    digest: scan.digest,
    reason,
    grantedBy: input.by,
    grantedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + seconds * 1000).toISOString(),
    finding: findingLine(found),
  };
  return auditGrant(deps, await deps.store.add(waiver), input.mfaVerified === true);
}

async function auditGrant(deps: WaiverDeps, w: Waiver, mfaVerified: boolean): Promise<Waiver> {
  await deps.audit.append({
    key: `waiver/${w.id}/granted`,
    action: 'waiver-granted',
    actor: w.grantedBy,
    operationId: `waiver/${w.id}`,
    environment: w.environment,
    target: `${w.image}@${w.digest}`,
    details: {
      ...w,
      length: waiverLength((Date.parse(w.expiresAt) - Date.parse(w.grantedAt)) / 1000),
      ...(mfaVerified ? { mfaVerified: true } : {}),
    },
  });
  return w;
}

/** Revokes a waiver: by an approver of its environment (the one who granted it or another). Idempotent. */
export async function revokeWaiver(deps: WaiverDeps, input: RevokeWaiverInput): Promise<WaiverView> {
  if (!WAIVER_ID.test(input.id))
    throw new InvalidInput(`waiver: '${input.id}' is not a waiver id; ids look like wv-1a2b3c4d5e (see waivers <env>)`);
  const w = await deps.store.get(input.id);
  if (!w) throw new InvalidInput(`waiver: there is no waiver ${input.id}; see waivers <env> for the ids`);
  mustApprove(deps, w.environment, input.by, 'revoke waivers');
  const now = (deps.now ?? (() => new Date()))();
  const revoked = (await deps.store.revoke(input.id, input.by, now.toISOString())) ?? w;
  await deps.audit.append({
    key: `waiver/${w.id}/revoked`,
    action: 'waiver-revoked',
    actor: revoked.revokedBy ?? input.by,
    operationId: `waiver/${w.id}`,
    environment: w.environment,
    target: `${w.image}@${w.digest}`,
    details: { id: w.id, findingId: w.findingId, revokedAt: revoked.revokedAt },
  });
  return viewOf(revoked, now);
}

/** The waivers of an environment, newest first, each with its status now (active, expired, revoked). */
export async function listWaivers(
  deps: Pick<WaiverDeps, 'store' | 'now'>,
  env: EnvironmentName,
): Promise<WaiverView[]> {
  const now = (deps.now ?? (() => new Date()))();
  return (await deps.store.list(env)).map((w) => viewOf(w, now)).reverse();
}

export function createWaiverActivities(deps: WaiverDeps | undefined) {
  const need = (): WaiverDeps => {
    if (!deps)
      throw new InvalidInput(
        'waivers need a security section in the config (security.trivy, security.images); see docs/security.md',
      );
    return deps;
  };
  return {
    grantWaiver: (i: GrantWaiverInput) => grantWaiver(need(), i),
    revokeWaiver: (i: RevokeWaiverInput) => revokeWaiver(need(), i),
    listWaivers: (i: { readonly environment: EnvironmentName }) => listWaivers(need(), i.environment),
  };
}
