import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { main } from '../../cli/main';
import { mfaKeyFile, openMfaStore, openMfaVerifier, resolveMfaKey } from '../../worker/mfa-compose';
import { testConfig } from '../support/sandbox';

const fresh = () => mkdtempSync(join(tmpdir(), 'mfa-keygen-'));

/** Runs `infra-agent <args>` (cli/main, as bin/infra-agent does) with INFRA_AGENT_STATE_DIR set; returns the exit code and output. */
async function cli(stateDir: string, args: string[], mfaKey?: string) {
  const saved = { ...process.env };
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
  const err = jest.spyOn(console, 'error').mockImplementation((s: string) => void out.push(s));
  process.env.INFRA_AGENT_STATE_DIR = stateDir;
  process.env.INFRA_AGENT_CONFIG = join(stateDir, 'no-config-here.yaml'); // keygen needs no configuration
  if (mfaKey) process.env.INFRA_AGENT_MFA_KEY = mfaKey;
  else delete process.env.INFRA_AGENT_MFA_KEY;
  try {
    const code = await main(args);
    return { code, text: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.env = saved;
  }
}

describe('infra-agent mfa keygen', () => {
  it('GIVEN no key yet THEN it writes 32 random bytes in base64 to <state dir>/mfa.key, mode 0600, and says where', async () => {
    const dir = fresh();
    const r = await cli(dir, ['mfa', 'keygen']);
    expect(r.code).toBe(0);
    const path = join(dir, 'mfa.key');
    expect(r.text).toContain(`wrote a new MFA key to ${path} (mode 0600)`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(readdirSync(dir)).toEqual(['mfa.key']); // no temp file left behind
  });

  it('GIVEN a key already there THEN it is kept unless --force; with --force the old one is moved aside, not deleted', async () => {
    const dir = fresh();
    await cli(dir, ['mfa', 'keygen']);
    const path = join(dir, 'mfa.key');
    const first = readFileSync(path, 'utf8');

    const again = await cli(dir, ['mfa', 'keygen']);
    expect(again.code).toBe(1);
    expect(again.text).toContain('already exists and seals the enrolled authenticators; not replaced');
    expect(readFileSync(path, 'utf8')).toBe(first);

    const forced = await cli(dir, ['mfa', 'keygen', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.text).toContain('everyone enrolls again');
    expect(readFileSync(path, 'utf8')).not.toBe(first);
    const [aside] = readdirSync(dir).filter((f) => f.startsWith('mfa.key.replaced-'));
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(first);
  });

  it('GIVEN --print THEN it prints a key and writes nothing', async () => {
    const dir = fresh();
    const r = await cli(dir, ['mfa', 'keygen', '--print']);
    expect(r.code).toBe(0);
    expect(Buffer.from(r.text.trim(), 'base64')).toHaveLength(32);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the MFA store composition: which key', () => {
  it('GIVEN INFRA_AGENT_MFA_KEY unset THEN the key file is used (and said); set, the variable wins; set but malformed, no key at all', async () => {
    const dir = fresh();
    const env = { INFRA_AGENT_STATE_DIR: dir };
    expect(resolveMfaKey(env)).toMatchObject({ source: 'none' });
    expect(resolveMfaKey(env).description).toContain('run `infra-agent mfa keygen`');

    await cli(dir, ['mfa', 'keygen']);
    const fromFile = resolveMfaKey(env);
    expect(fromFile).toMatchObject({ source: 'file', description: `MFA key: from ${mfaKeyFile(env)}` });
    expect(fromFile.key?.toString('base64')).toBe(readFileSync(join(dir, 'mfa.key'), 'utf8').trim());

    const other = Buffer.alloc(32, 7).toString('base64');
    expect(resolveMfaKey({ ...env, INFRA_AGENT_MFA_KEY: other })).toMatchObject({
      source: 'env',
      key: Buffer.alloc(32, 7),
      description: 'MFA key: from INFRA_AGENT_MFA_KEY',
    });
    expect(resolveMfaKey({ ...env, INFRA_AGENT_MFA_KEY: 'short' })).toMatchObject({ source: 'none' });
  });

  it('GIVEN a key file others can read THEN it is refused with what to do', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'mfa.key'), Buffer.alloc(32, 1).toString('base64'));
    chmodSync(join(dir, 'mfa.key'), 0o644);
    const r = resolveMfaKey({ INFRA_AGENT_STATE_DIR: dir });
    expect(r.source).toBe('none');
    expect(r.description).toContain('can be read by others (mode 644): chmod 600 it');
  });

  it('GIVEN a key from the file THEN the store works: enrol, approve with a code, wrong codes audited in the audit log', async () => {
    const dir = fresh();
    await cli(dir, ['mfa', 'keygen']);
    const config = { ...testConfig(), audit: { path: join(dir, 'audit.jsonl') } };
    const said: string[] = [];
    const mfa = openMfaVerifier(config, { INFRA_AGENT_STATE_DIR: dir }, (l) => said.push(l));
    expect(said).toEqual([`MFA key: from ${join(dir, 'mfa.key')}`]);
    const { secret } = await mfa!.enroll('bob');
    expect(await mfa!.verify('bob', 'abcdef')).toBe('wrong');
    const held = await mfa!.reserve('bob', await generate({ secret }));
    expect(held.verdict).toBe('ok');
    await held.commit();
    const audit = await createJsonlAuditLog(config.audit.path).tail(10);
    expect(audit.map((r) => [r.action, r.actor])).toEqual([['mfa-failed', 'bob']]);
    // The bot derives its modal seal key from the key actually used, whichever its source.
    const opened = openMfaStore(config, { INFRA_AGENT_STATE_DIR: dir });
    expect(opened?.source).toBe('file');
    expect(opened?.key.toString('base64')).toBe(readFileSync(join(dir, 'mfa.key'), 'utf8').trim());
  });
});
