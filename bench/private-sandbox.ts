import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../sandbox/manager';
import { discardPostgresData } from '../sandbox/postgres';
import { allServices } from '../sandbox/services';
import { sandboxSettings } from '../sandbox/settings';
import { freePort } from '../test/support/ports';

/** A sandbox of its own for one benchmark run or test: Temporal, moto, the registry and PostgreSQL on free ports in a fresh folder. */
export interface PrivateSandbox {
  readonly dir: string;
  /** The environment that points the config loader at this sandbox. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startPrivateSandbox(name: string, taskQueue: string): Promise<PrivateSandbox> {
  const dir = mkdtempSync(join(tmpdir(), `infra-agent-${name}-`));
  const env = {
    ...process.env,
    INFRA_AGENT_SANDBOX_DIR: join(dir, 'sandbox'),
    INFRA_AGENT_STATE_DIR: join(dir, 'state'),
    INFRA_AGENT_TEMPORAL_PORT: String(await freePort()),
    INFRA_AGENT_TEMPORAL_UI_PORT: String(await freePort()),
    INFRA_AGENT_MOTO_PORT: String(await freePort()),
    // Not the test sandbox's registry (its port is in this process's environment when a test starts one of these).
    INFRA_AGENT_REGISTRY_PORT: String(await freePort()),
    INFRA_AGENT_POSTGRES_PORT: String(await freePort()),
    INFRA_AGENT_TASK_QUEUE: taskQueue,
  };
  const settings = sandboxSettings(env);
  await up(settings, allServices(settings), (l) => console.log(l));
  const stop = async (): Promise<void> => {
    await down(settings, allServices(settings), () => undefined);
    await discardPostgresData(settings, dir);
  };
  return { dir, env, stop };
}
