import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { up } from '../../sandbox/manager';
import { allServices } from '../../sandbox/services';
import { sandboxSettings } from '../../sandbox/settings';
import { freePort } from './ports';

/**
 * Starts a private sandbox (real Temporal dev server, moto, registry, PostgreSQL) on free ports in a fresh folder, and exports its
 * ports through the environment so every test's config points at it. INFRA_AGENT_TEST_NO_SANDBOX=1 skips it
 * for runs of tests that need no server.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.INFRA_AGENT_TEST_NO_SANDBOX === '1') return;
  const dir = mkdtempSync(join(tmpdir(), 'infra-agent-test-'));
  process.env.INFRA_AGENT_SANDBOX_DIR = join(dir, 'sandbox');
  process.env.INFRA_AGENT_STATE_DIR = join(dir, 'state');
  process.env.INFRA_AGENT_TEMPORAL_PORT = String(await freePort());
  process.env.INFRA_AGENT_TEMPORAL_UI_PORT = String(await freePort());
  process.env.INFRA_AGENT_MOTO_PORT = String(await freePort());
  // The local OCI registry (crane). Tests that resolve digests point their config at it themselves; the shared
  // config leaves INFRA_AGENT_REGISTRY_URL unset, so other tests' rollouts keep their tags.
  process.env.INFRA_AGENT_REGISTRY_PORT = String(await freePort());
  // PostgreSQL for the shared-state store's tests: each test file makes its own database in it (test/support/postgres.ts).
  process.env.INFRA_AGENT_POSTGRES_PORT = String(await freePort());
  process.env.INFRA_AGENT_TEST_DIR = dir;
  const settings = sandboxSettings();
  const t0 = Date.now();
  // PostgreSQL starts beside the others (initdb ~1-3 s), so it adds nothing to the wait for Temporal.
  const services = allServices(settings);
  const pg = services.filter((x) => x.name === 'postgres');
  await Promise.all([
    up(
      settings,
      services.filter((x) => x.name !== 'postgres'),
      () => undefined,
    ),
    up(settings, pg, () => undefined),
  ]);
  writeFileSync(join(dir, 'sandbox.json'), JSON.stringify(settings));
  process.stdout.write(
    `\n[test sandbox] Temporal ${settings.temporalPort}, moto ${settings.motoPort}, registry ${settings.registryPort}, postgres ${settings.postgresPort}, up in ${Date.now() - t0} ms (${dir})\n`,
  );
}
