import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SandboxError, down, status, up } from '../../sandbox/manager';
import { discardPostgresData, postgresService } from '../../sandbox/postgres';
import { sandboxSettings } from '../../sandbox/settings';
import { freePort } from '../support/ports';

async function settingsIn(extra: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-pg-'));
  const env = {
    ...process.env,
    INFRA_AGENT_SANDBOX_DIR: dir,
    INFRA_AGENT_POSTGRES_PORT: String(await freePort()),
    INFRA_AGENT_HEALTH_TIMEOUT: '30',
    ...extra,
  };
  return { dir, settings: sandboxSettings(env) };
}

describe('sandbox PostgreSQL service', () => {
  it('GIVEN a fresh sandbox WHEN up, status, down, up THEN it answers with the product database, stops, and keeps its data', async () => {
    const { dir, settings } = await settingsIn();
    const svc = [postgresService(settings)];
    try {
      const lines: string[] = [];
      await up(settings, svc, (l) => lines.push(l));
      expect(lines.join('\n')).toMatch(/postgres +healthy at postgres:\/\/infra@127\.0\.0\.1:\d+\/infra_agent/);
      if (process.getuid?.() === 0) {
        // As root the server runs as user postgres, in a folder that user owns.
        const owner = statSync(settings.postgresDataDir).uid;
        expect(owner).not.toBe(0);
      }
      const c = new Client({ connectionString: svc[0]?.url });
      await c.connect();
      await c.query('CREATE TABLE kept (x int)');
      await c.end();
      expect((await status(settings, svc)).map((s) => s.state)).toEqual(['healthy']);
      await down(settings, svc, () => undefined);
      expect((await status(settings, svc)).map((s) => s.state)).toEqual(['stopped']);
      await up(settings, svc, () => undefined);
      const again = new Client({ connectionString: svc[0]?.url });
      await again.connect();
      expect((await again.query("SELECT to_regclass('kept') IS NOT NULL AS kept")).rows).toEqual([{ kept: true }]);
      await again.end();
    } finally {
      await down(settings, svc, () => undefined);
      await discardPostgresData(settings, dir);
    }
  });

  it('GIVEN no PostgreSQL binaries WHEN up THEN it says what to install and starts nothing', async () => {
    const { settings } = await settingsIn({ INFRA_AGENT_POSTGRES_BIN_DIR: '/nonexistent/postgresql/bin' });
    const err = await up(settings, [postgresService(settings)], () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).reason).toBe('binary-missing');
    expect((err as SandboxError).message).toContain('apt-get install postgresql-15');
  });
});
