import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSecret, generateURI, verify } from 'otplib';
import type { MfaEnrollment, MfaVerdict, MfaVerifier } from '../../core/mfa';

/** Where and how TOTP secrets are kept. */
export interface TotpVerifierProps {
  /** JSON file holding the encrypted secrets (under the state dir). */
  readonly path: string;
  /** 32-byte AES-256-GCM key (from INFRA_AGENT_MFA_KEY); secrets are never stored or logged in clear. */
  readonly key: Buffer;
  /** Issuer shown in authenticator apps. Default `infra-agent`. */
  readonly issuer?: string;
  /** Accepted clock drift in seconds either side. Default 30 (one step). */
  readonly toleranceSeconds?: number;
}

interface StoredSecret {
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
  /** The last accepted TOTP time step: a code at or before it is a replay. Not secret. */
  readonly lastStep: number;
}
type Store = Record<string, StoredSecret>;

/**
 * TOTP step-up verified by the product itself (a bot cannot present a person's AWS MFA device to STS).
 * Implements the core MfaVerifier, so an identity provider's step-up can replace it.
 */
export class TotpMfaVerifier implements MfaVerifier {
  // One file, read-modify-write: serialize every change so two verifications cannot both accept a code.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly props: TotpVerifierProps) {
    if (props.key.length !== 32) throw new Error('the MFA key must be 32 bytes (base64 of 32 random bytes)');
  }

  enroll(userId: string): Promise<MfaEnrollment> {
    return this.locked(async () => {
      const secret = generateSecret();
      const store = await this.load();
      store[userId] = { ...this.seal(secret), lastStep: 0 };
      await this.save(store);
      const otpauthUri = generateURI({ issuer: this.props.issuer ?? 'infra-agent', label: userId, secret });
      return { otpauthUri, secret };
    });
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.load())[userId] !== undefined;
  }

  verify(userId: string, code: string): Promise<MfaVerdict> {
    return this.locked(async () => {
      const store = await this.load();
      const entry = store[userId];
      if (!entry) return 'not-enrolled';
      if (!/^\d{6}$/.test(code)) return 'wrong';
      const tolerance = this.props.toleranceSeconds ?? 30;
      const r = await verify({ secret: this.open(entry), token: code, epochTolerance: tolerance });
      // The TOTP result names the time step that matched (HOTP results, which we never ask for, do not).
      const step = r.valid && 'timeStep' in r ? r.timeStep : undefined;
      if (step === undefined) return 'wrong';
      // Each code once: a step at or before the last accepted one is a replay (RFC 6238 section 5.2).
      if (step <= entry.lastStep) return 'reused';
      store[userId] = { ...entry, lastStep: step };
      await this.save(store);
      return 'ok';
    });
  }

  private locked<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private seal(secret: string): Omit<StoredSecret, 'lastStep'> {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.props.key, iv);
    const data = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private open(s: StoredSecret): string {
    const d = createDecipheriv('aes-256-gcm', this.props.key, Buffer.from(s.iv, 'base64'));
    d.setAuthTag(Buffer.from(s.tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
  }

  private async load(): Promise<Store> {
    try {
      return JSON.parse(await readFile(this.props.path, 'utf8')) as Store;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
  }

  private async save(store: Store): Promise<void> {
    await mkdir(dirname(this.props.path), { recursive: true });
    const tmp = `${this.props.path}.tmp`;
    await writeFile(tmp, JSON.stringify(store), { mode: 0o600 });
    await rename(tmp, this.props.path);
  }
}
