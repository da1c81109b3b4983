import { resolveApprovers } from '../../core/approval';
import { DEFAULT_IDLE_CONFIG } from '../../core/cost/idle';
import type { FindIdleInput } from '../../core/cost/idle';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput } from '../../core/errors';
import type { HelmWriteRequest } from '../../core/k8s/request';
import { releaseChart } from '../../core/commands/kube-reads';
import type { KubernetesDriftTarget } from '../../workflows/drift-k8s';
import { formatOperationId } from '../../core/operation-id';
import { previousStage } from '../../core/promotion';
import { taskQueueFor } from '../../core/task-queues';
import type { Requester } from '../../core/requester';
import type { IacVersionResult } from '../iac-version';
import type {
  ReapInput,
  HelmReleaseInput,
  NotifyTarget,
  OperationBaseInput,
  PromoteInput,
  RolloutInput,
  StackOperationInput,
} from '../../workflows/definitions';
import type { RemediateServiceInput } from '../../workflows/remediate-service';
import type { RemediateStackInput } from '../../workflows/remediate-stack';
import { DEFAULT_DRIFT_CONFIG } from '../../core/drift/settings';

/**
 * The pure input builders: a workflow's recorded input from a command, the config and who asked. No I/O, so the
 * dispatcher, tests and benchmarks build exactly the same inputs.
 */

/** The CloudFormation stack name for a catalog stack in an environment. */
export const stackNameOf = (stack: string, env: EnvironmentName): string => `infra-agent-${env}-${stack}`;

const knownNames = (names: readonly string[], section: string): string =>
  names.join(', ') || `none (add ${section} to the config)`;

/**
 * What every approvable operation records from config when it starts: who asked, the approval policy with its
 * approvers resolved now, change freezes, and where it reports (Slack requests name their conversation; others,
 * like the terminal, report into the environment's channel), plus the on-call channel.
 */
export function operationBase(
  config: AppConfig,
  env: EnvironmentName,
  requester: Requester,
  notify: NotifyTarget | undefined,
): Pick<OperationBaseInput, 'requester' | 'approval' | 'changeFreezes' | 'notify'> {
  const e = config.environments[env];
  const target = notify ?? (config.slack && e.slack.channel ? { channel: e.slack.channel } : undefined);
  return {
    requester,
    approval: {
      required: e.approval.required,
      expirySeconds: e.approval.expirySeconds,
      mfa: e.approval.mfa,
      approvers: resolveApprovers(e.approval, config.users),
    },
    changeFreezes: e.changeFreezes,
    ...(target
      ? {
          notify: {
            ...target,
            ...(e.slack.alertsChannel && !target.alertsChannel ? { alertsChannel: e.slack.alertsChannel } : {}),
          },
        }
      : {}),
  };
}

/** The recorded input of a stack deploy or delete: approvers, parameters and tags resolved from config now. */
export function stackInput(
  config: AppConfig,
  iac: string | IacVersionResult | undefined,
  kind: 'deploy-stack' | 'delete-stack' | 'remediate-stack',
  stack: string,
  env: EnvironmentName,
  requester: Requester,
  notify?: NotifyTarget,
  tuning?: StackOperationInput['tuning'],
): StackOperationInput {
  const s = config.stacks[stack];
  if (!s)
    throw new InvalidInput(
      `stack: '${stack}' is not in the catalog; known stacks: ${knownNames(Object.keys(config.stacks), 'stacks:')}`,
    );
  const e = config.environments[env];
  const iacVersion = typeof iac === 'string' ? iac : iac && 'version' in iac ? iac.version : undefined;
  if (kind === 'deploy-stack' && !iacVersion) {
    throw new InvalidInput(
      `stack ${stack}: cannot tell which git commit its template comes from (IaC_Version): ` +
        (iac && typeof iac !== 'string' && 'problem' in iac
          ? iac.problem
          : 'deploy from a git checkout or set INFRA_AGENT_IAC_VERSION'),
    );
  }
  const common = { Environment: env, ...e.stackParameters };
  return {
    operationId: formatOperationId('stack', env, stack),
    environment: env,
    region: e.region,
    stack: { name: stack, stackName: stackNameOf(stack, env), templatePath: s.template },
    parameters: { ...common, ...(iacVersion ? { IaCVersion: iacVersion } : {}) },
    tags: {
      Environment: env,
      Owner: e.stackParameters.Owner ?? 'unknown',
      SecurityLevel: e.stackParameters.SecurityLevel ?? 'unknown',
      IaC_Version: iacVersion ?? 'unknown',
      'infra-agent:requested-by': requester.userId,
    },
    ...operationBase(config, env, requester, notify),
    ...(e.deployRoleArn ? { deployRoleArn: e.deployRoleArn } : {}),
    ...(tuning ? { tuning } : {}),
  };
}

/**
 * The recorded input of `remediate {stack} {env}`: the stack operation's (same lock, approvers, freezes, channels;
 * the deployed template and parameters are used, not the catalog's) plus the drift re-check's ignore list and alerts
 * channel, and the drift id the gateway's check found.
 */
export function remediateInput(
  config: AppConfig,
  stack: string,
  env: EnvironmentName,
  requester: Requester,
  driftId: string | undefined,
  notify?: NotifyTarget,
  tuning?: StackOperationInput['tuning'],
): RemediateStackInput {
  const drift = config.drift ?? DEFAULT_DRIFT_CONFIG;
  const alertsChannel = config.environments[env].slack.alertsChannel;
  return {
    ...stackInput(config, undefined, 'remediate-stack', stack, env, requester, notify, tuning),
    recheck: {
      ...(driftId ? { driftId } : {}),
      ignore: drift.ignore,
      pollMs: drift.pollMs,
      ...(config.slack && alertsChannel ? { alertsChannel } : {}),
    },
  };
}

/** The recorded input of a rollout or rollback: service, policy, traffic and approvers resolved from config now. */
export function rolloutInput(
  config: AppConfig,
  kind: 'rollout' | 'rollback',
  service: string,
  env: EnvironmentName,
  requester: Requester,
  version: string | undefined,
  notify?: NotifyTarget,
  tuning?: RolloutInput['tuning'],
): RolloutInput {
  const s = config.services[service];
  if (!s) {
    throw new InvalidInput(
      `service: '${service}' is not in the catalog; known services: ${knownNames(Object.keys(config.services), 'services:')}`,
    );
  }
  const e = config.environments[env];
  if (!e.cluster) {
    throw new InvalidInput(
      `environment: ${env} has no cluster; add environments.${env}.cluster (name, kubeContext) to the config`,
    );
  }
  return {
    kind,
    operationId: formatOperationId('rollout', env, service),
    environment: env,
    region: e.region,
    target: { environment: env, service, namespace: `${s.namespace}${e.cluster.namespaceSuffix}` },
    service: { name: service, image: s.image, port: s.port, replicas: s.replicas },
    ...(version ? { version } : {}),
    policy: s.rollout,
    traffic: e.cluster.traffic,
    ...(e.deployRoleArn
      ? { deployRoleArn: e.deployRoleArn, grantSeconds: Math.max(7200, 2 * s.rollout.timeBudgetSeconds) }
      : {}),
    ...operationBase(config, env, requester, notify),
    ...(tuning ? { tuning } : {}),
  };
}

/**
 * The recorded input of `promote {service} {version} to {env}`: the previous stage's service (where the digest must
 * run) and the child rollout's input as `rollout` would build it. The first stage has nothing to promote from.
 */
export function promoteInput(
  config: AppConfig,
  service: string,
  version: string,
  env: EnvironmentName,
  requester: Requester,
  notify?: NotifyTarget,
  tuning?: RolloutInput['tuning'],
): PromoteInput {
  const from = previousStage(env);
  if (!from) {
    throw new InvalidInput(
      `env: ${env} is the first stage, nothing is promoted into it; roll a version out there with \`rollout ${service} ${version} to ${env}\``,
    );
  }
  const rollout = rolloutInput(config, 'rollout', service, env, requester, version, notify, tuning);
  const previous = rolloutInput(config, 'rollout', service, from, requester, version);
  return {
    operationId: formatOperationId('promote', env, service),
    environment: env,
    region: rollout.region,
    ...operationBase(config, env, requester, notify),
    service,
    version,
    from,
    previous: { target: previous.target, traffic: previous.traffic, taskQueue: taskQueueFor(config, from) },
    rollout,
  };
}

/** The recorded input of a Helm install, upgrade or rollback of a catalog release. */
export function helmReleaseInput(
  config: AppConfig,
  kind: 'helm-install' | 'helm-upgrade' | 'helm-rollback',
  release: string,
  env: EnvironmentName,
  requester: Requester,
  opts: { revision?: number; notify?: NotifyTarget } = {},
): HelmReleaseInput {
  const rel = config.releases[release];
  if (!rel) {
    throw new InvalidInput(
      `release: '${release}' is not in the catalog; known releases: ${knownNames(Object.keys(config.releases), 'releases:')}`,
    );
  }
  const e = config.environments[env];
  if (!e.cluster) {
    throw new InvalidInput(`environment: ${env} has no cluster; add environments.${env}.cluster to the config`);
  }
  const namespace = `${rel.namespace}${e.cluster.namespaceSuffix}`;
  let request: HelmWriteRequest;
  if (kind === 'helm-rollback') {
    if (!opts.revision) throw new InvalidInput('revision: say which revision to roll back to (see helm history)');
    request = { kind, namespace, release, revision: opts.revision };
  } else {
    request = {
      kind,
      namespace,
      release,
      chart: rel.chart,
      ...(rel.version ? { version: rel.version } : {}),
      ...(rel.values ? { values: rel.values } : {}),
      // Wait for the release's workloads, so the outcome says whether it runs; an install creates its namespace.
      flags: [...(kind === 'helm-install' ? ['--create-namespace'] : []), '--wait', '--timeout', '300s'],
    };
  }
  return {
    operationId: formatOperationId('helm', env, release),
    environment: env,
    region: e.region,
    request,
    ...operationBase(config, env, requester, opts.notify),
  };
}

/**
 * The recorded input of `remediate service {service} {env}`: the service's target and traffic router (as `drift
 * service` reads them), its rollout operation id as the lock (so it never runs beside a rollout), the catalog port,
 * and the alerts channel the re-check resolves the alert in.
 */
export function remediateServiceInput(
  config: AppConfig,
  service: string,
  env: EnvironmentName,
  requester: Requester,
  driftId: string | undefined,
  notify?: NotifyTarget,
): RemediateServiceInput {
  const check = serviceDriftTarget(config, service, env);
  if (check.kind !== 'service') throw new Error('unreachable: a service drift target');
  const e = config.environments[env];
  return {
    operationId: formatOperationId('rollout', env, service),
    environment: env,
    region: e.region,
    target: check.target,
    traffic: check.traffic,
    port: config.services[service]?.port ?? 80,
    ...(driftId ? { driftId } : {}),
    ...(config.slack && e.slack.alertsChannel ? { alertsChannel: e.slack.alertsChannel } : {}),
    ...operationBase(config, env, requester, notify),
  };
}

/** `drift service`: the rollout service's target and its environment's traffic router, resolved from config. */
export function serviceDriftTarget(config: AppConfig, service: string, env: EnvironmentName): KubernetesDriftTarget {
  const s = config.services[service];
  if (!s) {
    throw new InvalidInput(
      `service: '${service}' is not in the catalog; known services: ${knownNames(Object.keys(config.services), 'services:')}`,
    );
  }
  const cluster = config.environments[env].cluster;
  if (!cluster) {
    throw new InvalidInput(
      `environment: ${env} has no cluster, so no service runs there; add environments.${env}.cluster to the config`,
    );
  }
  return {
    kind: 'service',
    service,
    target: { environment: env, service, namespace: `${s.namespace}${cluster.namespaceSuffix}` },
    traffic: cluster.traffic,
  };
}

/** `drift release`: the catalog release's namespace, chart and values (what an upgrade would install). */
export function releaseDriftTarget(config: AppConfig, release: string, env: EnvironmentName): KubernetesDriftTarget {
  const rel = config.releases[release];
  if (!rel) {
    throw new InvalidInput(
      `release: '${release}' is not in the catalog; known releases: ${knownNames(Object.keys(config.releases), 'releases:')}`,
    );
  }
  const cluster = config.environments[env].cluster;
  if (!cluster) {
    throw new InvalidInput(
      `environment: ${env} has no cluster, so no release is installed there; add environments.${env}.cluster to the config`,
    );
  }
  return {
    kind: 'release',
    release,
    request: {
      kind: 'helm-diff',
      namespace: `${rel.namespace}${cluster.namespaceSuffix}`,
      release,
      ...releaseChart(rel),
    },
  };
}

/** What `drift all` and the scheduled check compare in Kubernetes: every catalog service and release (none without a cluster). */
export function kubernetesDriftTargets(config: AppConfig, env: EnvironmentName): KubernetesDriftTarget[] {
  if (!config.environments[env].cluster) return [];
  return [
    ...Object.keys(config.services).map((s) => serviceDriftTarget(config, s, env)),
    ...Object.keys(config.releases).map((r) => releaseDriftTarget(config, r, env)),
  ];
}
/** The recorded input of `reap {resource} dev`: the notice and keep periods from config now (DEV only: see reapWorkflow). */
/**
 * What `idle {env}` looks at, from config: the namespaces of the environment's catalog services and releases (with
 * the cluster's suffix), the blue/green standby colours kept at 0 on purpose, and the prices and thresholds.
 */
export function idleInput(config: AppConfig, env: EnvironmentName): Omit<FindIdleInput, 'nowIso'> {
  const e = config.environments[env];
  const suffix = e.cluster?.namespaceSuffix ?? '';
  const services = Object.values(config.services);
  const namespaces = [
    ...new Set([...services, ...Object.values(config.releases)].map((s) => `${s.namespace}${suffix}`)),
  ].sort();
  const standby = services.flatMap((s) => ['blue', 'green'].map((c) => `${s.namespace}${suffix}/${s.name}-${c}`));
  const { prices, thresholds, reap } = config.idle ?? DEFAULT_IDLE_CONFIG;
  return { environment: env, region: e.region, settings: { prices, thresholds, reap }, namespaces, standby };
}

export function reapInput(
  config: AppConfig,
  resourceId: string,
  env: EnvironmentName,
  requester: Requester,
  notify?: NotifyTarget,
): ReapInput {
  return {
    operationId: formatOperationId('reap', env, resourceId),
    resourceId,
    ...reapSettings(config, env, requester, notify),
  };
}

/** A reap's input but the resource: the notice and keep periods from config, who asked, where the notice goes. */
export function reapSettings(
  config: AppConfig,
  env: EnvironmentName,
  requester: Requester,
  notify?: NotifyTarget,
): Omit<ReapInput, 'operationId' | 'resourceId'> {
  const reap = (config.idle ?? DEFAULT_IDLE_CONFIG).reap;
  return {
    environment: env,
    region: config.environments[env].region,
    noticeSeconds: reap.noticeSeconds,
    keepSeconds: reap.keepSeconds,
    ...operationBase(config, env, requester, notify),
  };
}
