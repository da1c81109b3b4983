import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { verifyAuditChain } from '../../adapters/audit/chain';
import { validateConfig } from '../../core/config';
import type { AppConfig } from '../../core/config';
import { checkStore } from '../../sandbox/doctor';
import { openMfaStore } from '../../worker/mfa-compose';
import { closeStateStores, openStateStores } from '../../worker/state-compose';
import { openPgStore } from '../../adapters/store/postgres/pool';
import { testDatabaseUrl } from '../support/postgres';

const base = {
  temporal: { address: '127.0.0.1:7233' },
  audit: { path: '/tmp/audit.jsonl' },
  users: { alice: { groups: ['platform'] } },
  stacks: {},
  environments: {
    dev: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    prd: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
  },
};

const configOf = (extra: Record<string, unknown>): AppConfig => {
  const r = validateConfig({ ...base, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
};

describe('config store: which shared-state store, and where its URL comes from', () => {
  afterAll(() => closeStateStores());

  test('GIVEN no store, `file`, `postgres` or an object THEN each is read with its defaults', () => {
    expect(configOf({}).store).toEqual({ kind: 'file' });
    expect(configOf({ store: 'file' }).store).toEqual({ kind: 'file' });
    expect(configOf({ store: 'postgres' }).store).toEqual({
      kind: 'postgres',
      urlEnv: 'INFRA_AGENT_DATABASE_URL',
      poolSize: 10,
    });
    expect(configOf({ store: { kind: 'postgres', urlEnv: 'DB_URL', poolSize: 4 } }).store).toEqual({
      kind: 'postgres',
      urlEnv: 'DB_URL',
      poolSize: 4,
    });
  });

  test('GIVEN a URL written in the file, an unknown kind or a bad variable name THEN each is named with what to do', () => {
    const r = validateConfig({
      ...base,
      store: { kind: 'postgres', url: 'postgres://u:pw@db/x', urlEnv: 'lower-case', poolSize: 0 },
    });
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues).toContainEqual({
      path: 'store.url',
      problem: expect.stringMatching(/never belongs in the config file; put it in an environment variable/) as string,
    });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['store.urlEnv', 'store.poolSize']));
    const kind = validateConfig({ ...base, store: 'mysql' });
    expect(kind.ok ? [] : kind.issues).toEqual([
      { path: 'store.kind', problem: "'mysql' is not valid; use file or postgres" },
    ]);
  });

  test('GIVEN store: postgres and the variable unset THEN opening says which variable, without a URL', () => {
    const config = configOf({ store: { kind: 'postgres', urlEnv: 'NOT_SET_DB_URL' } });
    expect(() => openStateStores(config, {})).toThrow(/store: postgres needs the database URL in NOT_SET_DB_URL/);
  });

  test('GIVEN store: postgres THEN the composition roots share one database: audit, MFA and dedupe across instances', async () => {
    const url = await testDatabaseUrl(__filename);
    const dir = mkdtempSync(join(tmpdir(), 'store-config-'));
    const config = configOf({ store: 'postgres', audit: { path: join(dir, 'audit.jsonl') } });
    const env = { INFRA_AGENT_DATABASE_URL: url, INFRA_AGENT_MFA_KEY: Buffer.alloc(32, 3).toString('base64') };
    const state = openStateStores(config, env);
    await state.ready();
    expect(state.kind).toBe('postgres');
    // The terminal's MFA store and the bot's are the same rows: a code used by one is refused by the other.
    const terminal = openMfaStore(config, env);
    const bot = openMfaStore(config, env);
    const { secret } = await (terminal?.verifier.enroll('alice') ?? Promise.reject(new Error('no MFA store')));
    const code = await generate({ secret });
    expect(await bot?.verifier.verify('alice', code)).toBe('ok');
    expect(await terminal?.verifier.verify('alice', code)).toBe('reused');
    // The refusal was audited in the database, not in a file.
    const refused = (await state.audit.tail(10)).filter((r) => r.action === 'mfa-failed');
    expect(refused.map((r) => r.details)).toEqual([{ reason: 'reused' }]);
    expect(verifyAuditChain(await state.audit.tail(10))).toBeUndefined();
    // Two bots' ledgers: one delivery handled once.
    const [a, b] = [state.deliveries(), openStateStores(config, env).deliveries()];
    expect([await a.first('Ev9'), await b.first('Ev9')]).toEqual([true, false]);
  });

  test('GIVEN each store situation THEN doctor says ok or FAIL with the fix, never the password, and migrates nothing', async () => {
    expect((await checkStore(configOf({}), {}))[0]?.ok).toBe(true);
    const config = configOf({ store: 'postgres' });
    const unset = (await checkStore(config, {}))[0];
    expect(unset).toMatchObject({ ok: false, detail: 'store: postgres, but INFRA_AGENT_DATABASE_URL is unset' });
    const url = await testDatabaseUrl(__filename);
    expect((await checkStore(config, { INFRA_AGENT_DATABASE_URL: url }))[0]?.detail).toMatch(
      /answers; not migrated yet/,
    );
    await (await openPgStore({ url })).close();
    expect((await checkStore(config, { INFRA_AGENT_DATABASE_URL: url }))[0]?.detail).toMatch(
      /answers; schema version 2$/,
    );
    const down = (
      await checkStore(config, { INFRA_AGENT_DATABASE_URL: 'postgres://infra:pw-secret@127.0.0.1:1/x' })
    )[0];
    expect(down?.ok).toBe(false);
    expect(JSON.stringify(down)).not.toContain('pw-secret');
  });
});
