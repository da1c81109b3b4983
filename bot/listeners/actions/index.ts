import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { ActionIds } from '../../../presentation/slack/ids';
import { alertButtonCallback } from './alert-button';
import { alertRemediateCallback } from './alert-remediate-button';
import { approveButtonCallback } from './approve-button';
import { reapKeepCallback } from './reap-keep-button';
import { proposalCancelCallback } from './proposal-cancel-button';
import { proposalEditCallback } from './proposal-edit-button';
import { proposalRunCallback } from './proposal-run-button';
import { rejectButtonCallback } from './reject-button';
import { rolloutControlCallback } from './rollout-control-button';

export function registerActions(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionIds.approve, approveButtonCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.reject, rejectButtonCallback(deps));
  for (const id of [ActionIds.rolloutPause, ActionIds.rolloutResume, ActionIds.rolloutAbort])
    app.action<BlockAction<ButtonAction>>(id, rolloutControlCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.proposalRun, proposalRunCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.proposalEdit, proposalEditCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.proposalCancel, proposalCancelCallback(deps));
  // Acknowledge, and one Snooze button per duration (action ids are unique within a message).
  app.action<BlockAction<ButtonAction>>(ActionIds.alertAcknowledge, alertButtonCallback(deps));
  for (const d of ['1h', '1d', 'until-changed'])
    app.action<BlockAction<ButtonAction>>(`${ActionIds.alertSnooze}_${d}`, alertButtonCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.alertRemediate, alertRemediateCallback(deps));
  app.action<BlockAction<ButtonAction>>(ActionIds.reapKeep, reapKeepCallback(deps));
}
