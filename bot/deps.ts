import type { Logger } from '@slack/bolt';
import type { AppConfig } from '../core/config';
import type { MfaVerifier } from '../core/mfa';
import type { Gateway } from '../worker/gateway';
import type { DeliveryDedupe } from './dedupe';

/** Everything the listeners need, built once by the bot's composition root. */
export interface BotDeps {
  readonly config: AppConfig;
  readonly gateway: Gateway;
  readonly mfa: MfaVerifier;
  readonly dedupe: DeliveryDedupe;
  readonly logger?: Logger;
}
