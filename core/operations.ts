import type { EnvironmentName } from './environments';
import type { Requester } from './requester';
import type { ValidationFinding } from './validation';

/** Where an operation is in its life. Shown to people, so each phase reads as plain English in messages. */
export type OperationPhase =
  | 'validating'
  | 'creating-change-set'
  | 'awaiting-approval'
  | 'executing'
  | 'waiting-for-stack'
  | 'cleaning-up'
  | 'done';

/** How an operation ended. Rejection, expiry and "no changes" are outcomes, not errors. */
export type OperationOutcome =
  'succeeded' | 'no-changes' | 'rejected' | 'expired' | 'cancelled' | 'validation-failed' | 'frozen' | 'failed';

/** One resource in a change set preview. */
export interface ResourceChange {
  readonly action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalId?: string;
  /** `True` means the resource will be replaced (a new physical resource, the old one deleted). */
  readonly replacement?: 'True' | 'False' | 'Conditional';
  /** Which parts of the resource change (Properties, Tags, …). */
  readonly scope?: readonly string[];
}

/** What will change: the artifact an approval is bound to. */
export interface ChangePreview {
  /** The change set id (ARN), or for a delete the stack id: approvals name exactly this. */
  readonly artifactId: string;
  readonly stackName: string;
  readonly changeSetName?: string;
  readonly changes: readonly ResourceChange[];
  /** sha256 of the template body, for the audit trail. */
  readonly templateHash?: string;
}

/** One accepted approval. */
export interface ApprovalRecord {
  readonly approver: string;
  readonly at: string;
  readonly artifactId: string;
  readonly via: Requester['via'];
  readonly mfa: boolean;
}

/** One CloudFormation stack event, trimmed for chat. */
export interface StackEventSummary {
  readonly at: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason?: string;
}

/** The state of an operation, as the `state` query returns it. JSON-safe. */
export interface OperationState {
  readonly operationId: string;
  readonly kind: 'deploy-stack' | 'delete-stack';
  readonly environment: EnvironmentName;
  readonly target: string;
  readonly requester: Requester;
  readonly startedAt: string;
  readonly phase: OperationPhase;
  readonly findings: readonly ValidationFinding[];
  readonly preview?: ChangePreview;
  readonly approvalsRequired: number;
  readonly approvals: readonly ApprovalRecord[];
  /** ISO time after which a pending approval fails closed. */
  readonly approvalDeadline?: string;
  readonly rejection?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly outcome?: OperationOutcome;
  readonly message?: string;
  readonly stackStatus?: string;
  readonly events: readonly StackEventSummary[];
}

/** Human-readable summary lines for a preview: counts by action, and warnings for replacements. */
export function summarizeChanges(changes: readonly ResourceChange[]): { counts: string; warnings: string[] } {
  const count = (a: ResourceChange['action']): number => changes.filter((c) => c.action === a).length;
  const counts = `${count('Add')} to add, ${count('Modify')} to modify, ${count('Remove')} to remove`;
  const warnings = changes
    .filter((c) => c.replacement === 'True' || c.replacement === 'Conditional')
    .map(
      (c) =>
        `${c.logicalId} (${c.resourceType}) will ${c.replacement === 'True' ? 'be REPLACED' : 'possibly be replaced'}: ` +
        'a new resource is created and the old one deleted',
    );
  return { counts, warnings };
}
