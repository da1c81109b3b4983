import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One certificate signed by the sandbox CA. */
export interface CertRequest {
  /** File stem: `<name>.crt` and `<name>.key`. */
  readonly name: string;
  readonly commonName: string;
  readonly organization?: string;
  readonly usages: readonly ('serverAuth' | 'clientAuth')[];
  readonly ipSans?: readonly string[];
  readonly dnsSans?: readonly string[];
}

export interface CertPaths {
  readonly cert: string;
  readonly key: string;
}

/** A config without the default extension sections, so only the `-addext` extensions below end up in a cert. */
const MINIMAL_OPENSSL_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';

function opensslConfig(dir: string): string {
  const path = join(dir, 'openssl.cnf');
  if (!existsSync(path)) writeFileSync(path, MINIMAL_OPENSSL_CONFIG);
  return path;
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', [...args], { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'] as const;

/** A CA `<name>.crt`/`<name>.key` (kept once made, so kubeconfigs handed out earlier stay valid). */
export async function ensureCa(dir: string, name = 'ca', commonName = 'infra-agent-sandbox-ca'): Promise<CertPaths> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(paths.cert) && existsSync(paths.key)) return paths;
  await openssl([
    'req',
    '-x509',
    '-new',
    '-config',
    opensslConfig(dir),
    ...NEW_EC_KEY,
    '-keyout',
    paths.key,
    '-out',
    paths.cert,
    '-days',
    '3650',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  return paths;
}

/** A leaf certificate signed by the CA; an existing one is kept. */
export async function ensureCert(dir: string, ca: CertPaths, req: CertRequest): Promise<CertPaths> {
  const paths = { cert: join(dir, `${req.name}.crt`), key: join(dir, `${req.name}.key`) };
  if (existsSync(paths.cert) && existsSync(paths.key)) return paths;
  const subject = `${req.organization ? `/O=${req.organization}` : ''}/CN=${req.commonName}`;
  const sans = [...(req.ipSans ?? []).map((ip) => `IP:${ip}`), ...(req.dnsSans ?? []).map((d) => `DNS:${d}`)];
  await openssl([
    'req',
    '-x509',
    '-new',
    '-config',
    opensslConfig(dir),
    ...NEW_EC_KEY,
    '-keyout',
    paths.key,
    '-out',
    paths.cert,
    '-days',
    '825',
    '-subj',
    subject,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    `extendedKeyUsage=${req.usages.join(',')}`,
    ...(sans.length > 0 ? ['-addext', `subjectAltName=${sans.join(',')}`] : []),
  ]);
  return paths;
}

/** The key pair that signs and verifies service-account tokens. */
export function ensureServiceAccountKeys(dir: string): { readonly privateKey: string; readonly publicKey: string } {
  const paths = { privateKey: join(dir, 'sa.key'), publicKey: join(dir, 'sa.pub') };
  if (existsSync(paths.privateKey) && existsSync(paths.publicKey)) return paths;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(paths.privateKey, privateKey, { mode: 0o600 });
  writeFileSync(paths.publicKey, publicKey);
  return paths;
}

/** A static bearer token for `user` (CSV file for --token-auth-file); an existing file is kept. */
export function ensureTokenFile(
  path: string,
  user: string,
  groups: readonly string[],
): { readonly file: string; readonly token: string } {
  if (!existsSync(path)) {
    const token = randomBytes(24).toString('hex');
    writeFileSync(path, `${token},${user},${user},"${groups.join(',')}"\n`, { mode: 0o600 });
    return { file: path, token };
  }
  const token = readTokenFile(path);
  return { file: path, token };
}

function readTokenFile(path: string): string {
  const token = readFileSync(path, 'utf8').split(',')[0]?.trim();
  if (!token) throw new Error(`${path} has no token; delete it and run prepareKube again`);
  return token;
}
