import type { ApprovalPolicy, UserConfig } from './environments';
import type { ApprovalRecord } from './operations';

/** The user ids allowed to approve under a policy: named users plus members of named groups. */
export function resolveApprovers(policy: ApprovalPolicy, users: Readonly<Record<string, UserConfig>>): string[] {
  const ids = new Set(policy.users);
  for (const u of Object.values(users)) if (u.groups.some((g) => policy.groups.includes(g))) ids.add(u.id);
  return [...ids].sort();
}

/** What an approval attempt says. */
export interface ApprovalAttempt {
  readonly approver: string;
  readonly artifactId: string;
  readonly mfaVerified: boolean;
}

/** What the decision rules need to know about the operation. */
export interface ApprovalContext {
  readonly requesterId: string;
  readonly allowedApprovers: readonly string[];
  readonly mfaRequired: boolean;
  /** The artifact currently awaiting approval; undefined when nothing is awaiting approval. */
  readonly pendingArtifactId: string | undefined;
  readonly approvals: readonly ApprovalRecord[];
}

/**
 * Why an approval attempt must be refused, or undefined when it may be accepted. Pure, so the workflow's
 * update validator and the front ends apply exactly the same rules.
 */
export function approvalRefusal(ctx: ApprovalContext, a: ApprovalAttempt): string | undefined {
  if (ctx.pendingArtifactId === undefined) return 'this operation is not waiting for an approval';
  if (a.approver === ctx.requesterId) return 'you requested this change: someone else must approve it';
  if (!ctx.allowedApprovers.includes(a.approver)) {
    return `${a.approver} may not approve in this environment (approvers: ${ctx.allowedApprovers.join(', ') || 'none'})`;
  }
  if (a.artifactId !== ctx.pendingArtifactId) {
    return `the change you approved (${a.artifactId}) is not the one awaiting approval (${ctx.pendingArtifactId}); review the new preview`;
  }
  if (ctx.approvals.some((r) => r.approver === a.approver)) return `${a.approver} has already approved this change`;
  if (ctx.mfaRequired && !a.mfaVerified) return 'this environment requires MFA for approvals: verify your code first';
  return undefined;
}

/** Who may reject: the same approvers, and also the requester (withdrawing their own change). */
export function rejectionRefusal(ctx: ApprovalContext, by: string): string | undefined {
  if (ctx.pendingArtifactId === undefined) return 'this operation is not waiting for an approval';
  if (by === ctx.requesterId || ctx.allowedApprovers.includes(by)) return undefined;
  return `${by} may not reject in this environment (approvers: ${ctx.allowedApprovers.join(', ') || 'none'})`;
}
