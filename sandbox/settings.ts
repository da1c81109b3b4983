import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, toolPath, venvPython } from './paths';

/** Where and on which ports one sandbox instance runs. Several instances (demo, tests) can coexist. */
export interface SandboxSettings {
  /** Folder with pid files, logs and the Temporal SQLite database. */
  readonly stateDir: string;
  readonly host: string;
  readonly temporalPort: number;
  readonly temporalUiPort: number;
  readonly motoPort: number;
  /** The local OCI registry (`crane registry serve`): rollouts resolve tags to digests against it. */
  readonly registryPort: number;
  /** The OpenCost stand-in's API (sandbox/opencost): OpenCost's own port by default. */
  readonly opencostPort: number;
  /** Its prices: per core-hour and per GiB-hour requested (OpenCost's default custom pricing). */
  readonly opencostPrices: { readonly cpuCoreHour: number; readonly ramGiBHour: number };
  /** Seconds to wait for a service to become usable. */
  readonly healthTimeoutSec: number;
  readonly temporalBin: string;
  readonly pythonBin: string;
  readonly motoLauncher: string;
  readonly craneBin: string;
}

function priceFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name}=${raw} is not a price; use a number ≥ 0 such as ${fallback}`);
  return n;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name}=${raw} is not a valid port/number; use an integer such as ${fallback}`);
  }
  return n;
}

/**
 * Settings from the environment (the sandbox's only configuration):
 * INFRA_AGENT_SANDBOX_DIR, INFRA_AGENT_TEMPORAL_PORT (7233), INFRA_AGENT_TEMPORAL_UI_PORT (8233),
 * INFRA_AGENT_MOTO_PORT (4566), INFRA_AGENT_REGISTRY_PORT (5000), INFRA_AGENT_OPENCOST_PORT (9003),
 * INFRA_AGENT_OPENCOST_CPU_CORE_HOUR (0.031611), INFRA_AGENT_OPENCOST_RAM_GIB_HOUR (0.004237),
 * INFRA_AGENT_HEALTH_TIMEOUT (60), TEMPORAL_BIN, CRANE_BIN.
 */
export function sandboxSettings(env: NodeJS.ProcessEnv = process.env): SandboxSettings {
  const launcher = join(__dirname, 'moto', 'server.py');
  return {
    stateDir: env.INFRA_AGENT_SANDBOX_DIR || join(cacheDir(env), 'sandbox'),
    host: '127.0.0.1',
    temporalPort: intFrom(env, 'INFRA_AGENT_TEMPORAL_PORT', 7233),
    temporalUiPort: intFrom(env, 'INFRA_AGENT_TEMPORAL_UI_PORT', 8233),
    motoPort: intFrom(env, 'INFRA_AGENT_MOTO_PORT', 4566),
    registryPort: intFrom(env, 'INFRA_AGENT_REGISTRY_PORT', 5000),
    opencostPort: intFrom(env, 'INFRA_AGENT_OPENCOST_PORT', 9003),
    opencostPrices: {
      cpuCoreHour: priceFrom(env, 'INFRA_AGENT_OPENCOST_CPU_CORE_HOUR', 0.031611),
      ramGiBHour: priceFrom(env, 'INFRA_AGENT_OPENCOST_RAM_GIB_HOUR', 0.004237),
    },
    healthTimeoutSec: intFrom(env, 'INFRA_AGENT_HEALTH_TIMEOUT', 60),
    temporalBin: env.TEMPORAL_BIN || toolPath('temporal', env),
    pythonBin: venvPython(env),
    motoLauncher: existsSync(launcher) ? launcher : '',
    craneBin: env.CRANE_BIN || toolPath('crane', env),
  };
}
