import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import type { BotDeps } from '../../bot/deps';
import type { AppConfig } from '../../core/config';
import type { Gateway } from '../../worker/gateway';

/**
 * What the bot's command path needs, for calling `runCommand` without a Bolt app: the gateway, an MFA store of the
 * test's own in `dir` (nobody enrolled), a dedupe that claims everything, and the config's audit trail.
 */
export function testBotDeps(config: AppConfig, gateway: Gateway, dir: string): BotDeps {
  return {
    config,
    gateway,
    mfa: new TotpMfaVerifier({ path: join(dir, 'mfa.json'), key: randomBytes(32) }),
    dedupe: { claim: () => Promise.resolve(true) } as unknown as BotDeps['dedupe'],
    viewSealKey: randomBytes(32),
    audit: createJsonlAuditLog(config.audit.path),
  };
}
