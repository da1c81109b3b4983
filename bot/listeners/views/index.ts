import type { App, ViewSubmitAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { ViewIds } from '../../../presentation/slack/ids';
import { mfaApproveSubmitCallback } from './mfa-approve-submit';
import { proposalEditSubmitCallback } from './proposal-edit-submit';
import { rejectSubmitCallback } from './reject-submit';
import { alertSubmitCallback } from './alert-submit';

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(ViewIds.mfaApprove, mfaApproveSubmitCallback(deps));
  app.view<ViewSubmitAction>(ViewIds.rejectReason, rejectSubmitCallback(deps));
  app.view<ViewSubmitAction>(ViewIds.proposalEdit, proposalEditSubmitCallback(deps));
  app.view<ViewSubmitAction>(ViewIds.alertReason, alertSubmitCallback(deps));
}
