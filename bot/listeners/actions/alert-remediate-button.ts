import { remediateCommandOf } from '../../../core/alerts/alert';
import type { ListenerDeps } from '../../deps';
import { commandButtonCallback } from './command-button';

/**
 * Remediate on a drift alert: runs the alert's remediation (`remediate <stack> <env>`, `helm upgrade <release> <env>`,
 * `remediate service <service> <env>`: core/alerts/alert.ts remediateCommandOf; nothing for an alert without one)
 * through the one dispatcher on behalf of the person who clicked (they are the requester, so they cannot approve it;
 * PRD approvals need MFA as for any deploy). The operation reports into the alert's thread; a refusal (not a known
 * user, busy, nothing drifted) is told to the clicker alone.
 */
export function alertRemediateCallback(deps: ListenerDeps) {
  return commandButtonCallback(deps, 'Remediate', remediateCommandOf);
}
