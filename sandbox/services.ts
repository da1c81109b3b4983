import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Connection } from '@temporalio/client';
import type { SandboxSettings } from './settings';

/** Custom search attributes registered on the dev server; `list` filters operations by them. */
export const SEARCH_ATTRIBUTES = ['InfraEnvironment', 'InfraRequester', 'InfraTarget', 'InfraKind'] as const;

/** One local server the sandbox runs. */
export interface ServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly ports: readonly number[];
  /** Shown when the executable is missing. */
  readonly installHint: string;
  /** Resolves true once the service really answers (not just listens). */
  readonly healthy: () => Promise<boolean>;
  readonly url: string;
  readonly extra?: Readonly<Record<string, string>>;
}

export function temporalService(s: SandboxSettings): ServiceSpec {
  const address = `${s.host}:${s.temporalPort}`;
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(s.stateDir, 'temporal.db'),
    '--ip',
    s.host,
    '--port',
    String(s.temporalPort),
    '--ui-port',
    String(s.temporalUiPort),
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a}=Keyword`]),
  ];
  return {
    name: 'temporal',
    command: s.temporalBin,
    args,
    ports: [s.temporalPort, s.temporalUiPort],
    installHint: 'bash sandbox/bootstrap.sh temporal   (or set TEMPORAL_BIN)',
    url: address,
    extra: { ui: `http://${s.host}:${s.temporalUiPort}` },
    healthy: async () => {
      let conn: Connection | undefined;
      try {
        conn = await Connection.connect({ address, connectTimeout: 2000 });
        await conn.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } catch {
        return false;
      } finally {
        await conn?.close().catch(() => undefined);
      }
    },
  };
}

export function motoService(s: SandboxSettings): ServiceSpec {
  const endpoint = `http://${s.host}:${s.motoPort}`;
  // The launcher adds the CloudFormation resource types moto lacks; plain moto_server is the fallback.
  const useLauncher = s.motoLauncher !== '' && existsSync(s.pythonBin);
  return {
    name: 'moto',
    command: useLauncher ? s.pythonBin : join(s.pythonBin, '..', 'moto_server'),
    args: useLauncher
      ? [s.motoLauncher, '-H', s.host, '-p', String(s.motoPort)]
      : ['-H', s.host, '-p', String(s.motoPort)],
    ports: [s.motoPort],
    installHint: 'bash sandbox/bootstrap.sh python',
    url: endpoint,
    healthy: async () => {
      const sts = new STSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        maxAttempts: 1,
      });
      try {
        const id = await sts.send(new GetCallerIdentityCommand({}));
        return typeof id.Account === 'string';
      } catch {
        return false;
      } finally {
        sts.destroy();
      }
    },
  };
}

/** The local OCI registry (`crane registry serve`, in memory): sample images are pushed after `up`. */
export function registryService(s: SandboxSettings): ServiceSpec {
  const url = `http://${s.host}:${s.registryPort}`;
  return {
    name: 'registry',
    command: s.craneBin,
    args: ['registry', 'serve', '--address', `${s.host}:${s.registryPort}`],
    ports: [s.registryPort],
    installHint: 'bash sandbox/bootstrap.sh crane   (or set CRANE_BIN)',
    url,
    healthy: async () => {
      try {
        // The distribution API's base endpoint: 200 from a registry that needs no login.
        return (await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) })).status === 200;
      } catch {
        return false;
      }
    },
  };
}

export function allServices(s: SandboxSettings): ServiceSpec[] {
  return [temporalService(s), motoService(s), registryService(s)];
}

/**
 * The OpenCost stand-in (sandbox/opencost/server.ts): OpenCost's allocation API computed from the pods of the
 * cluster the kubeconfig names. Started after the cluster (`upKube`), run from source on the pinned Node through
 * tsx; healthy once it has listed the cluster's pods.
 */
export function opencostService(s: SandboxSettings, kube: { kubeconfig: string; contextName: string }): ServiceSpec {
  const url = `http://${s.host}:${s.opencostPort}`;
  return {
    name: 'opencost',
    command: process.execPath,
    args: [
      '--require',
      require.resolve('tsx/cjs'),
      join(__dirname, 'opencost', 'server.ts'),
      '--host',
      s.host,
      '--port',
      String(s.opencostPort),
      '--kubeconfig',
      kube.kubeconfig,
      '--context',
      kube.contextName,
      '--state',
      join(s.stateDir, 'opencost-deleted-pods.json'),
      '--cpu-core-hour',
      String(s.opencostPrices.cpuCoreHour),
      '--ram-gib-hour',
      String(s.opencostPrices.ramGiBHour),
    ],
    ports: [s.opencostPort],
    installHint: 'npm ci (tsx and @kubernetes/client-node run it)',
    url,
    healthy: async () => {
      try {
        return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) })).status === 200;
      } catch {
        return false;
      }
    },
  };
}
