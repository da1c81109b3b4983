import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CLAIMED_IDENTITY_WARNING,
  ClaimedIdentityRefused,
  principalMatches,
  resolveTerminalIdentity,
} from '../../cli/identity';
import type { AppConfig } from '../../core/config';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../worker/config-loader';

const REPO = join(__dirname, '..', '..');
const BIN = join(REPO, 'bin', 'infra-agent');

/** The sandbox config with `identity.terminal` set to `mode`, written to a temp folder (infraDir made absolute). */
function configWith(mode: 'proven' | 'claimed'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'identity-')), 'config.yaml');
  writeFileSync(
    path,
    readFileSync(DEFAULT_CONFIG_PATH, 'utf8')
      .replace('infraDir: ../infra', `infraDir: ${join(REPO, 'infra')}`)
      .replace(/identity:\n {2}terminal: claimed/, `identity:\n  terminal: ${mode}`),
  );
  return path;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('terminal identity: the pure rules', () => {
  const config = (terminal: 'proven' | 'claimed'): Pick<AppConfig, 'identity' | 'users'> => ({
    identity: {
      terminal,
      awsPrincipals: {
        alice: ['arn:aws:sts::123456789012:assumed-role/*/alice'],
        bob: ['arn:aws:iam::123456789012:user/bob'],
      },
    },
    users: {
      alice: { id: 'alice', displayName: 'Alice', groups: [] },
      bob: { id: 'bob', displayName: 'Bob', groups: [] },
    },
  });
  const never = () => Promise.reject(new Error('STS must not be asked'));

  it('principal patterns: * is a wildcard, everything else literal', () => {
    expect(
      principalMatches('arn:aws:sts::123456789012:assumed-role/Eng/alice', 'arn:aws:sts::*:assumed-role/*/alice'),
    ).toBe(true);
    expect(
      principalMatches('arn:aws:sts::123456789012:assumed-role/Eng/alice2', 'arn:aws:sts::*:assumed-role/*/alice'),
    ).toBe(false);
    expect(principalMatches('arn:aws:iam::123456789012:user/bobx', 'arn:aws:iam::123456789012:user/bob')).toBe(false);
    expect(principalMatches('arn:aws:iam::123456789012Xuser/bob', 'arn:aws:iam::123456789012:user/bob')).toBe(false);
  });

  it('GIVEN claimed mode THEN --as is believed, with the loud warning', async () => {
    const id = await resolveTerminalIdentity(
      config('claimed'),
      { as: 'bob', source: '--as' },
      {
        osUser: 'x',
        callerArn: never,
      },
    );
    expect(id.requester.userId).toBe('bob');
    expect(id.proof).toBe('claimed');
    expect(id.notices).toEqual([CLAIMED_IDENTITY_WARNING]);
    expect(CLAIMED_IDENTITY_WARNING).toContain('identity claimed with --as (sandbox mode): anyone can be anyone');
  });

  it('GIVEN proven mode THEN --as and INFRA_AGENT_USER are refused, STS not even asked', async () => {
    await expect(
      resolveTerminalIdentity(config('proven'), { as: 'bob', source: '--as' }, { osUser: 'x', callerArn: never }),
    ).rejects.toThrow(ClaimedIdentityRefused);
    await expect(
      resolveTerminalIdentity(
        config('proven'),
        { as: 'bob', source: 'INFRA_AGENT_USER' },
        { osUser: 'x', callerArn: never },
      ),
    ).rejects.toThrow(/INFRA_AGENT_USER is not honoured.*Unset INFRA_AGENT_USER/);
  });

  it('GIVEN proven mode THEN the caller’s ARN picks the user; unmapped or unprovable callers are read-only unknowns told what to do', async () => {
    const as = (arn: string) =>
      resolveTerminalIdentity(config('proven'), {}, { osUser: 'x', callerArn: () => Promise.resolve(arn) });
    expect((await as('arn:aws:sts::123456789012:assumed-role/Engineers/alice')).requester.userId).toBe('alice');
    const stranger = await as('arn:aws:iam::123456789012:user/mallory');
    expect(stranger.requester.userId).toBe('unknown:arn:aws:iam::123456789012:user/mallory');
    expect(stranger.notices.join()).toMatch(/is not mapped to a user; you are read-only.*awsPrincipals/);
    const noCreds = await resolveTerminalIdentity(
      config('proven'),
      {},
      {
        osUser: 'x',
        callerArn: () =>
          Promise.reject(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })),
      },
    );
    expect(noCreds.requester.userId).toBe('unknown:x');
    expect(noCreds.notices.join()).toMatch(
      /could not prove who you are with AWS \(CredentialsProviderError.*read-only/,
    );
  });
});

describe('terminal identity: the binary against the sandbox’s STS (moto)', () => {
  let iam: IAMClient;
  const keys: Record<string, { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string }> = {};
  const baseEnv = (): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    for (const k of [
      'AWS_PROFILE',
      'AWS_SESSION_TOKEN',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'INFRA_AGENT_USER',
    ])
      delete env[k];
    return env;
  };

  beforeAll(async () => {
    const endpoint = loadConfig().aws.endpoint;
    iam = new IAMClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    for (const user of ['alice', 'mallory']) {
      await iam.send(new CreateUserCommand({ UserName: user })).catch((e: Error) => {
        if (!e.name.startsWith('EntityAlreadyExists')) throw e; // the SDK names it EntityAlreadyExistsException
      });
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
      keys[user] = { AWS_ACCESS_KEY_ID: k?.AccessKeyId ?? '', AWS_SECRET_ACCESS_KEY: k?.SecretAccessKey ?? '' };
    }
  });
  afterAll(() => iam.destroy());

  it('GIVEN proven mode and alice’s own AWS keys THEN the terminal acts for alice, no warning', async () => {
    const r = await runCli(['identity'], { ...baseEnv(), INFRA_AGENT_CONFIG: configWith('proven'), ...keys.alice });
    expect(r.stdout.trim()).toBe(
      'alice (Alice (platform engineer)); proven by: aws; AWS principal: arn:aws:iam::123456789012:user/alice',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('GIVEN proven mode and an unmapped caller THEN unknown and read-only, told how to get mapped', async () => {
    const r = await runCli(['identity'], { ...baseEnv(), INFRA_AGENT_CONFIG: configWith('proven'), ...keys.mallory });
    expect(r.stdout).toContain('unknown:arn:aws:iam::123456789012:user/mallory');
    expect(r.stderr).toContain(
      'your AWS principal arn:aws:iam::123456789012:user/mallory is not mapped to a user; you are read-only',
    );
    expect(r.stderr).toContain("awsPrincipals: ['arn:aws:iam::123456789012:user/mallory']");
  });

  it('GIVEN proven mode and --as bob (with mallory’s keys) THEN refused with exit 2, nothing done as bob', async () => {
    const r = await runCli(['--as', 'bob', 'identity'], {
      ...baseEnv(),
      INFRA_AGENT_CONFIG: configWith('proven'),
      ...keys.mallory,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--as is not honoured: this configuration proves who you are/);
  });

  it('GIVEN the sandbox (claimed) config THEN --as bob is believed and the warning is printed', async () => {
    const r = await runCli(['--as', 'bob', 'identity'], { ...baseEnv(), INFRA_AGENT_CONFIG: configWith('claimed') });
    expect(r.stdout.trim()).toBe('bob (Bob (platform lead)); proven by: claimed');
    expect(r.stderr.trim()).toBe(CLAIMED_IDENTITY_WARNING);
    expect(r.code).toBe(0);
  });
});
