import { dirname, join } from 'node:path';
import { TotpMfaVerifier } from '../adapters/mfa/totp-verifier';
import type { AppConfig } from '../core/config';
import type { MfaVerifier } from '../core/mfa';

/**
 * The one MFA store of a deployment: encrypted TOTP secrets next to the audit log, sealed with
 * INFRA_AGENT_MFA_KEY (32 random bytes, base64). Undefined when the key is not set or not 32 bytes.
 */
export function openMfaVerifier(config: AppConfig, env: NodeJS.ProcessEnv = process.env): MfaVerifier | undefined {
  const key = env.INFRA_AGENT_MFA_KEY;
  if (!key || Buffer.from(key, 'base64').length !== 32) return undefined;
  return new TotpMfaVerifier({
    path: join(dirname(config.audit.path), 'mfa-secrets.json'),
    key: Buffer.from(key, 'base64'),
  });
}
