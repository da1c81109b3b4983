import { rm } from 'node:fs/promises';
import { down } from '../../sandbox/manager';
import { allServices } from '../../sandbox/services';
import { sandboxSettings } from '../../sandbox/settings';

export default async function globalTeardown(): Promise<void> {
  if (process.env.INFRA_AGENT_TEST_NO_SANDBOX === '1' || !process.env.INFRA_AGENT_TEST_DIR) return;
  const settings = sandboxSettings();
  await down(settings, allServices(settings), () => undefined);
  // As root the PostgreSQL data lives outside the test dir (owned by user postgres): remove it with the server.
  if (!settings.postgresDataDir.startsWith(process.env.INFRA_AGENT_TEST_DIR)) {
    await rm(settings.postgresDataDir, { recursive: true, force: true });
  }
}
