import type { Logger } from '@slack/bolt';
import type { AuditLog } from '../core/audit';
import type { AppConfig } from '../core/config';
import type { MfaVerifier } from '../core/mfa';
import type { Gateway } from '../worker/gateway';
import type { DeliveryLedger } from './dedupe';
import type { WorkLane } from './work-lane';

/** Everything the listeners need, built once by the bot's composition root. */
export interface BotDeps {
  readonly config: AppConfig;
  readonly gateway: Gateway;
  readonly mfa: MfaVerifier;
  /** Slack deliveries already handled (durable in the bot: see DurableDeliveryDedupe). */
  readonly dedupe: DeliveryLedger;
  /** Seals the modals the bot opens; a submission without a valid seal for its submitter is refused. */
  readonly viewSealKey: Buffer;
  /** The audit trail, for what the bot itself refuses (forged or foreign modal submissions). */
  readonly audit: AuditLog;
  /** The app's logger (createBotApp fills it in), so listeners' warnings and errors reach the log. */
  readonly logger?: Logger;
}

/** What listeners get: BotDeps with the logger always present, and the lane their after-ack work runs in. */
export type ListenerDeps = BotDeps & { readonly logger: Logger; readonly lane: WorkLane };
