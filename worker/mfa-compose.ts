import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TotpMfaVerifier } from '../adapters/mfa/totp-verifier';
import type { AppConfig } from '../core/config';
import type { MfaVerifier } from '../core/mfa';
import { openStateStores } from './state-compose';

/** The state dir: INFRA_AGENT_STATE_DIR, default ~/.local/state/infra-agent (as sandbox/start.sh). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INFRA_AGENT_STATE_DIR || join(env.HOME || homedir(), '.local', 'state', 'infra-agent');
}

/** The MFA key file `infra-agent mfa keygen` writes: `<state dir>/mfa.key`, mode 0600. */
export function mfaKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'mfa.key');
}

/** Where the MFA key came from, or why there is none. */
export interface MfaKeyResolution {
  /** 32 bytes, when a usable key was found. */
  readonly key?: Buffer;
  /** INFRA_AGENT_MFA_KEY wins over the key file; `none` when neither gives a usable key. */
  readonly source: 'env' | 'file' | 'none';
  readonly keyFile: string;
  /** One line for the person running it: the source used, or what to do. */
  readonly description: string;
}

const decode = (text: string): Buffer | undefined => {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 ? key : undefined;
};

/**
 * The key sealing the MFA store: INFRA_AGENT_MFA_KEY when set (a set but malformed variable is an error, not a
 * reason to read the file), else the key file. A key file others can read is refused, as ssh refuses such keys.
 */
export function resolveMfaKey(env: NodeJS.ProcessEnv = process.env): MfaKeyResolution {
  const keyFile = mfaKeyFile(env);
  const none = (description: string): MfaKeyResolution => ({ source: 'none', keyFile, description });
  if (env.INFRA_AGENT_MFA_KEY) {
    const key = decode(env.INFRA_AGENT_MFA_KEY);
    return key
      ? { key, source: 'env', keyFile, description: 'MFA key: from INFRA_AGENT_MFA_KEY' }
      : none(
          'MFA key: INFRA_AGENT_MFA_KEY is set but is not 32 bytes in base64 (`node bin/infra-agent mfa keygen` makes one)',
        );
  }
  let mode: number;
  try {
    mode = statSync(keyFile).mode;
  } catch {
    return none(
      `MFA key: none — INFRA_AGENT_MFA_KEY is unset and there is no ${keyFile}; run \`infra-agent mfa keygen\` (in a clone: \`node bin/infra-agent mfa keygen\`)`,
    );
  }
  if ((mode & 0o077) !== 0) {
    return none(`MFA key: ${keyFile} can be read by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const key = decode(readFileSync(keyFile, 'utf8'));
  return key
    ? { key, source: 'file', keyFile, description: `MFA key: from ${keyFile}` }
    : none(`MFA key: ${keyFile} does not hold 32 bytes in base64`);
}

/** The MFA store of a deployment and the key that seals it (the bot derives its modal seal key from it). */
export interface MfaStore {
  readonly verifier: MfaVerifier;
  readonly key: Buffer;
  readonly source: 'env' | 'file';
}

/**
 * The one MFA store of a deployment: encrypted TOTP secrets and lockout state in the shared state store (a file
 * beside the audit log, or PostgreSQL), sealed with
 * the key from resolveMfaKey; refused codes and lockouts go to the audit log. Undefined without a usable key.
 * `say` is told which key source was used (or why none).
 */
export function openMfaStore(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  say?: (line: string) => void,
): MfaStore | undefined {
  const resolved = resolveMfaKey(env);
  say?.(resolved.description);
  if (!resolved.key || resolved.source === 'none') return undefined;
  const state = openStateStores(config, env);
  const verifier = new TotpMfaVerifier({ records: state.mfaRecords, key: resolved.key, audit: state.audit });
  return { verifier, key: resolved.key, source: resolved.source };
}

/** openMfaStore's verifier alone, for callers that do not need the key. */
export function openMfaVerifier(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  say?: (line: string) => void,
): MfaVerifier | undefined {
  return openMfaStore(config, env, say)?.verifier;
}

/** A fresh MFA key: 32 random bytes in base64. */
export function newMfaKey(): string {
  return randomBytes(32).toString('base64');
}

/** What `infra-agent mfa keygen` did. */
export interface MfaKeygenResult {
  readonly path: string;
  /** With force, where the key it replaced was moved (never deleted: it still opens the old enrolments). */
  readonly previousMovedTo?: string;
}

/** Thrown when a key file exists and `force` was not given. */
export class MfaKeyExists extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists`);
    this.name = 'MfaKeyExists';
  }
}

/**
 * Writes a fresh 32-byte key (base64) to the key file, mode 0600 in a 0700 dir. The file appears whole or not at
 * all (a private temp file hard-linked into place), and an existing key is replaced only with `force` — it seals
 * every enrolled authenticator — and then moved aside, not deleted.
 */
export async function generateMfaKeyFile(
  env: NodeJS.ProcessEnv = process.env,
  opts: { readonly force?: boolean; readonly now?: Date } = {},
): Promise<MfaKeygenResult> {
  const path = mfaKeyFile(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const h = await open(tmp, 'wx', 0o600);
    try {
      await h.writeFile(`${newMfaKey()}\n`);
      await h.sync();
    } finally {
      await h.close();
    }
    let previousMovedTo: string | undefined;
    for (;;) {
      try {
        await link(tmp, path);
        return previousMovedTo ? { path, previousMovedTo } : { path };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !opts.force || previousMovedTo) {
          throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? new MfaKeyExists(path) : e;
        }
        previousMovedTo = `${path}.replaced-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
        await rename(path, previousMovedTo);
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
}
