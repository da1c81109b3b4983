import { resolveApprovers } from './approval';
import type { ChangeFreeze, EnvironmentConfig, UserConfig } from './environments';

/**
 * The approval policy an approvable operation runs under: who may approve, how many approvals, how long they
 * may take, whether MFA is required, and the change freezes. Decided by the worker (the place that enforces
 * it) from its own configuration when the operation starts, and recorded in workflow history.
 */
export interface OperationPolicy {
  readonly approval: {
    /** Distinct approvals needed. */
    readonly required: number;
    /** An approval not given within this many seconds fails closed. */
    readonly expirySeconds: number;
    /** Step-up MFA for each approval. */
    readonly mfa: boolean;
    /** User ids allowed to approve, resolved from the policy's users and groups. */
    readonly approvers: readonly string[];
  };
  readonly changeFreezes: readonly ChangeFreeze[];
}

/** The policy of one environment, approvers resolved against the configured users. */
export function operationPolicy(
  environment: Pick<EnvironmentConfig, 'approval' | 'changeFreezes'>,
  users: Readonly<Record<string, UserConfig>>,
): OperationPolicy {
  return {
    approval: {
      required: environment.approval.required,
      expirySeconds: environment.approval.expirySeconds,
      mfa: environment.approval.mfa,
      approvers: resolveApprovers(environment.approval, users),
    },
    changeFreezes: environment.changeFreezes,
  };
}

/** Until the policy is known nobody may approve and nothing counts as decided: it fails closed. */
export const UNRESOLVED_POLICY: OperationPolicy = {
  approval: { required: 1, expirySeconds: 0, mfa: true, approvers: [] },
  changeFreezes: [],
};
