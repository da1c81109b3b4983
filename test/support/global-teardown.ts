import { down } from '../../sandbox/manager';
import { discardPostgresData } from '../../sandbox/postgres';
import { allServices } from '../../sandbox/services';
import { sandboxSettings } from '../../sandbox/settings';

export default async function globalTeardown(): Promise<void> {
  if (process.env.INFRA_AGENT_TEST_NO_SANDBOX === '1' || !process.env.INFRA_AGENT_TEST_DIR) return;
  const settings = sandboxSettings();
  await down(settings, allServices(settings), () => undefined);
  await discardPostgresData(settings, process.env.INFRA_AGENT_TEST_DIR);
}
