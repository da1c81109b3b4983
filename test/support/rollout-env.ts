import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { loadConfig } from '../../worker/config-loader';
import type { PrivateCluster } from '../k8s/private-cluster';

const ROOT = join(__dirname, '..', '..');

/** A test service in the raw config format: fast steps (seconds), pods analysis unless given. */
export function testServiceYaml(
  rollout: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    namespace: 'shop',
    image: 'ghcr.io/example/app',
    port: 8080,
    replicas: 2,
    rollout: {
      steps: [10, 50, 100],
      stepWait: '2s',
      bake: '2s',
      readyTimeout: '60s',
      timeBudget: '10m',
      analysis: [{ provider: 'pods', maxRestarts: 0 }],
      ...rollout,
    },
    ...extra,
  };
}

/** A written config and how to load it (the same file a child worker process reads through INFRA_AGENT_CONFIG). */
export interface RolloutTestConfig {
  readonly path: string;
  readonly config: AppConfig;
  /** Environment variables for a child worker reading this config. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The sandbox config with `env`'s cluster pointed at a private control plane and the given services in the
 * catalog, written to a file in the cluster's folder with a task queue of its own.
 */
export function rolloutTestConfig(
  cluster: PrivateCluster,
  services: Record<string, Record<string, unknown>>,
  /** Which environments get the cluster, and how each shifts traffic (default: dev with Istio). */
  traffic: Partial<Record<EnvironmentName, Record<string, unknown>>> = { dev: { kind: 'istio' } },
  /** security: keep the sandbox's security section (trivy gates); off by default, the test images have no archive. */
  /** registry: the OCI registry the environments resolve tags against (INFRA_AGENT_REGISTRY_URL; default none). */
  /** environments: settings merged into an environment's raw config (e.g. `{ dev: { soak: '1s' } }`). */
  options: {
    readonly security?: boolean;
    readonly registry?: string;
    readonly environments?: Partial<Record<EnvironmentName, Record<string, unknown>>>;
  } = {},
): RolloutTestConfig {
  type Raw = Record<string, unknown> & { environments: Record<string, Record<string, unknown>> };
  const raw = parse(readFileSync(join(ROOT, 'config', 'sandbox.yaml'), 'utf8')) as Raw;
  raw.infraDir = join(ROOT, 'infra');
  for (const [env, spec] of Object.entries(traffic)) {
    const target = raw.environments[env];
    if (!target) throw new Error(`config/sandbox.yaml has no environment ${env}`);
    target.cluster = {
      name: 'private',
      kubeContext: cluster.kube.contextName,
      kubeconfig: cluster.kube.kubeconfig,
      namespaceSuffix: `-${env}`,
      traffic: spec,
    };
  }
  // Environments not named here keep no cluster.
  for (const [env, e] of Object.entries(raw.environments)) if (!(env in traffic)) delete e.cluster;
  for (const [env, extra] of Object.entries(options.environments ?? {})) Object.assign(raw.environments[env]!, extra);
  raw.services = services;
  if (!options.security) delete raw.security;
  const path = join(cluster.dir, `config-${randomUUID()}.yaml`);
  writeFileSync(path, stringify(raw));
  const childEnv = {
    INFRA_AGENT_CONFIG: path,
    INFRA_AGENT_TASK_QUEUE: `test-${randomUUID()}`,
    INFRA_AGENT_REGISTRY_URL: options.registry ?? '',
  };
  return { path, config: loadConfig({ ...process.env, ...childEnv }), env: childEnv };
}
