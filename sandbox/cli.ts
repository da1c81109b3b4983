import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClientFactory } from '../adapters/aws/clients';
import { createRunCommand } from '../adapters/cli/run-command';
import { loadConfig } from '../worker/config-loader';
import { seedRolloutLoadBalancers } from './aws-seed';
import { seedCostExplorer } from './cost-seed';
import { SAMPLE_TAGS, seedSampleImages } from './registry-seed';
import { down, SandboxError, status, up } from './manager';
import { toolPath } from './paths';
import { kubeServices, kubeSettings, upKube } from './kube/services';
import { allServices, opencostService } from './services';
import type { SandboxSettings } from './settings';
import { sandboxSettings } from './settings';

const USAGE = `usage: npm run sandbox -- <command>

  up        start Temporal (dev server, SQLite), the AWS endpoint (moto), a local OCI registry (crane, sample
            images pushed) and a Kubernetes control plane
            (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes) with an OpenCost stand-in (its
            allocation API computed from the cluster's pods); wait until each answers
            --no-kube (or INFRA_AGENT_SANDBOX_NO_KUBE=1) leaves Kubernetes (and OpenCost) out
  down      stop the processes this sandbox started (and nothing else)
  status    show each service: healthy / unhealthy / stopped, pid, address, log file
  restart   down, then up
  tools     show every pinned tool and the version it reports

environment: INFRA_AGENT_SANDBOX_DIR, INFRA_AGENT_TEMPORAL_PORT (7233), INFRA_AGENT_TEMPORAL_UI_PORT (8233),
             INFRA_AGENT_MOTO_PORT (4566), INFRA_AGENT_OPENCOST_PORT (9003), INFRA_AGENT_OPENCOST_CPU_CORE_HOUR,
             INFRA_AGENT_OPENCOST_RAM_GIB_HOUR, INFRA_AGENT_HEALTH_TIMEOUT (60), INFRA_AGENT_CACHE,
             INFRA_AGENT_KUBE_{ETCD,ETCD_PEER,APISERVER,CONTROLLER_MANAGER,SCHEDULER,KWOK}_PORT

examples:
  npm run sandbox -- up
  INFRA_AGENT_MOTO_PORT=5555 npm run sandbox -- up
  npm run sandbox -- status`;

/** Each pinned tool and the arguments that make it print its own version. */
const TOOLS: ReadonlyArray<[string, string[], string]> = [
  [`../node/${pinnedVersions().NODE_VERSION ?? '?'}/bin/node`, ['--version'], 'NODE_VERSION'],
  ['temporal', ['--version'], 'TEMPORAL_CLI_VERSION'],
  ['../venv/bin/python', ['-c', 'import moto; print("moto", moto.__version__)'], 'MOTO_VERSION'],
  ['cfn-lint', ['--version'], 'CFN_LINT_VERSION'],
  ['cfn-guard', ['--version'], 'CFN_GUARD_VERSION'],
  ['helm', ['version', '--short'], 'HELM_VERSION'],
  ['trivy', ['--version'], 'TRIVY_VERSION'],
  ['actionlint', ['-version'], 'ACTIONLINT_VERSION'],
  ['hadolint', ['--version'], 'HADOLINT_VERSION'],
  ['kube-apiserver', ['--version'], 'KUBE_VERSION'],
  ['kube-controller-manager', ['--version'], 'KUBE_VERSION'],
  ['kube-scheduler', ['--version'], 'KUBE_VERSION'],
  ['kubectl', ['version', '--client'], 'KUBE_VERSION'],
  ['etcd', ['--version'], 'ETCD_VERSION'],
  ['kwok', ['--version'], 'KWOK_VERSION'],
];

/** A tool's name as `tools` shows it: the cache-relative paths of Node and the venv's Python by what they are. */
function shortName(name: string): string {
  if (name.startsWith('../node/')) return 'node';
  return name.startsWith('../') ? 'moto' : name;
}

function pinnedVersions(): Record<string, string> {
  const text = ['versions.env', join('kube', 'versions.env')]
    .map((f) => readFileSync(join(__dirname, f), 'utf8'))
    .join('\n');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );
}

async function tools(): Promise<number> {
  const run = createRunCommand();
  const pins = pinnedVersions();
  let bad = 0;
  for (const [name, args, pinKey] of TOOLS) {
    const pin = pins[pinKey] ?? '?';
    try {
      const r = await run({ file: toolPath(name), args, timeoutMs: 30_000 });
      const reported = (r.stdout + r.stderr).trim().split('\n')[0] ?? '';
      const ok = reported.includes(pin);
      if (!ok) bad++;
      console.log(`${ok ? 'ok ' : 'BAD'} ${shortName(name).padEnd(12)} pinned ${pin.padEnd(8)} reports: ${reported}`);
    } catch {
      bad++;
      console.log(`MISSING ${shortName(name).padEnd(8)} pinned ${pin.padEnd(8)} install: bash sandbox/bootstrap.sh`);
    }
  }
  return bad === 0 ? 0 : 1;
}

/**
 * The load balancers PRD rollouts shift traffic on (config environments.<env>.cluster.traffic kind alb), created
 * in this sandbox's moto if missing. Skipped when the config's AWS endpoint is not this sandbox's moto.
 */
async function seedAws(settings: SandboxSettings, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig(process.env);
  const endpoint = config.aws.endpoint;
  if (!endpoint || new URL(endpoint).port !== String(settings.motoPort)) {
    log(
      `[sandbox] aws seed  skipped: the config's AWS endpoint (${endpoint ?? 'real AWS'}) is not this sandbox's moto`,
    );
    return;
  }
  const seeded = await seedRolloutLoadBalancers(config, createAwsClientFactory(config.aws));
  const created = seeded.filter((s) => s.created.length > 0);
  log(
    `[sandbox] aws seed  ${seeded.length} rollout load balancer(s) ready, ` +
      `${created.length ? `${created.length} created` : 'all existed'} (${Date.now() - t0} ms)`,
  );
  for (const s of created) log(`[sandbox]   ${s.environment}/${s.service}: created ${s.created.join(', ')}`);
  const t1 = Date.now();
  const items = await seedCostExplorer(config, new Date().toISOString().slice(0, 10));
  log(`[sandbox] aws seed  Cost Explorer: ${items} daily line items, 200 days × dev/tst/prd (${Date.now() - t1} ms)`);
}

/** The sample services' images in the local registry (1.4.2, 1.4.3, 2.0.0, latest), so rollouts resolve digests. */
async function seedRegistry(settings: SandboxSettings, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  const images = Object.values(loadConfig(process.env).services).map((s) => s.image);
  const n = await seedSampleImages(settings.craneBin, `${settings.host}:${settings.registryPort}`, images);
  log(
    `[sandbox] registry  ${n} sample image(s) pushed (${SAMPLE_TAGS.join(', ')}) (${Date.now() - t0} ms); ` +
      `export INFRA_AGENT_REGISTRY_URL=http://${settings.host}:${settings.registryPort} for the worker`,
  );
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  const settings = sandboxSettings();
  const services = allServices(settings);
  const noKube = argv.includes('--no-kube') || process.env.INFRA_AGENT_SANDBOX_NO_KUBE === '1';
  const kube = kubeSettings(process.env, settings.stateDir);
  // The OpenCost stand-in reads the cluster's pods: it starts after Kubernetes and stops before it.
  const opencost = opencostService(settings, kube);
  const everything = [...services, ...kubeServices(kube), opencost];
  const upAll = async (): Promise<void> => {
    await up(settings, services, log);
    await seedAws(settings, log);
    await seedRegistry(settings, log);
    if (!noKube) {
      await upKube(settings, kube, log);
      await up(settings, [opencost], log);
    }
  };
  const log = (l: string): void => console.log(l);
  switch (cmd) {
    case 'up':
      await upAll();
      return 0;
    case 'down':
      await down(settings, everything, log);
      return 0;
    case 'restart':
      await down(settings, everything, log);
      await upAll();
      return 0;
    case 'status': {
      // Kubernetes rows only when it runs (or was asked for): `up --no-kube` is a normal way to work.
      const kubeRows = noKube ? [] : await status(settings, [...kubeServices(kube), opencost]);
      const rows = [
        ...(await status(settings, services)),
        ...kubeRows.filter((r) => r.state !== 'stopped' || kubeRows.some((k) => k.state !== 'stopped')),
      ];
      for (const r of rows) {
        const extra = r.extra
          ? ' ' +
            Object.entries(r.extra)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : '';
        console.log(
          `${r.name.padEnd(24)} ${r.state.padEnd(10)} ${r.pid ? `pid ${r.pid}`.padEnd(11) : ''.padEnd(11)} ${r.url}${extra}  log: ${r.log}`,
        );
      }
      return rows.every((r) => r.state === 'healthy') ? 0 : 1;
    }
    case 'tools':
      return tools();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`unknown sandbox command '${cmd}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof SandboxError) console.error(`[sandbox] ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
