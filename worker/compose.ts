import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createActivities } from '../activities';
import { keepAlive } from '../activities/heartbeat';
import type { Activities } from '../activities';
import type { K8sDeps } from '../activities/k8s';
import type { RolloutDeps } from '../activities/rollout';
import type { NotifyDeps } from '../activities/notify/notify-operation';
import { silentNotifier } from '../activities/notify/notify-operation';
import { createJsonlAlertStore } from '../adapters/alerts/jsonl-alert-store';
import { createJsonlAuditLog } from '../adapters/audit/jsonl-audit-log';
import { createJsonlWaiverStore } from '../adapters/waivers/jsonl-waiver-store';
import { renderAlertMessage, renderAlertReply } from '../presentation/slack/alert-messages';
import { costReply } from '../presentation/slack/result';
import { createBedrockModel } from '../adapters/llm/bedrock-converse';
import type { ModelPort } from '../adapters/llm/bedrock-converse';
import { createCredentialBroker } from '../adapters/aws/assume-role';
import type { CredentialBroker } from '../adapters/aws/assume-role';
import { createAwsClientFactory } from '../adapters/aws/clients';
import { createChartRenderer } from '../adapters/chart/vega-png';
import type { AwsClientFactory } from '../adapters/aws/clients';
import { createRunCommand } from '../adapters/cli/run-command';
import type { RunCommand } from '../adapters/cli/run-command';
import { createSlackFileSource } from '../adapters/slack/slack-files';
import { createSlackNotifier } from '../adapters/slack/slack-notifier';
import { createActivityWebClient } from '../adapters/slack/web-client';
import { createOperationMessages } from '../presentation/slack/operation-messages';
import { cacheRoot } from './cache-dir';
import type { EnvironmentName } from '../core/environments';
import { ENVIRONMENTS } from '../core/environments';
import type { AppConfig } from '../core/config';

/**
 * Seams a test composition may wrap (fault injection: test/support/fault-injection.ts). The production worker
 * passes none, so no test-only behaviour can be switched on in a real deployment.
 */
export interface ComposeSeams {
  readonly aws?: (factory: AwsClientFactory) => AwsClientFactory;
  readonly run?: (run: RunCommand) => RunCommand;
  /**
   * The environments this worker serves (INFRA_AGENT_WORKER_SERVES; default all): the AWS account guard expects
   * the credentials to be in their account (adapters/aws/clients.ts).
   */
  readonly servedEnvironments?: readonly EnvironmentName[];
}

/** Where validation results are cached by content hash (under INFRA_AGENT_CACHE, default ~/.cache/infra-agent). */
export function validateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'validate-cache');
}

/** Alert state (core/alerts): JSON lines beside the audit log, like the other worker state. */
export function alertStorePath(config: AppConfig): string {
  return join(dirname(resolve(config.audit.path)), 'alerts.jsonl');
}

/**
 * The worker's composition root: config in, real adapters wired into activities out. Every activity
 * heartbeats while it runs (keepAlive), so heartbeating activity profiles notice a dead worker in seconds.
 */
export function composeActivities(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  seams: ComposeSeams = {},
): Activities {
  const wrapAws = seams.aws ?? ((f: AwsClientFactory) => f);
  const wrapRun = seams.run ?? ((r: RunCommand) => r);
  const aws: AwsClientFactory = wrapAws(
    createAwsClientFactory(config.aws, {
      environments: Object.fromEntries(
        (seams.servedEnvironments ?? ENVIRONMENTS).map((e) => [e, config.environments[e]]),
      ),
    }),
  );
  const createRun = createRunCommand({
    'cfn-lint': 'install it with: bash sandbox/bootstrap.sh python (or set tools.cfnLint in the config)',
    'cfn-guard': 'install it with: bash sandbox/bootstrap.sh cfn-guard (or set tools.cfnGuard in the config)',
    helm: 'install it with: bash sandbox/bootstrap.sh helm (or set tools.helm in the config)',
    kubectl: 'build it with: bash sandbox/kube/bootstrap-kube.sh kube (or set tools.kubectl in the config)',
    trivy: 'install it with: bash sandbox/bootstrap.sh trivy (or set tools.trivy in the config)',
  });
  const run = wrapRun(createRun);
  const broker = createCredentialBroker(aws);
  const audit = createJsonlAuditLog(config.audit.path);
  const notify = composeNotify(config);
  const activities = createActivities({
    aws,
    broker,
    // Approval policy is decided here, from the worker's own config, never from what a client sent.
    policyConfig: { environments: config.environments, users: config.users },
    infraDir: config.infraDir,
    audit,
    validate: {
      run,
      cfnLintBin: config.tools.cfnLint,
      cfnGuardBin: config.tools.cfnGuard,
      rulesDir: join(config.infraDir, 'cfn-guard-rules', 'nist-800-53'),
      baseDir: config.infraDir,
      cacheDir: validateCacheDir(env),
      ...(config.validation ? { policy: config.validation } : {}),
      audit,
      aws,
      ...(config.slack
        ? {
            slackFiles: createSlackFileSource({
              client: createActivityWebClient({
                botToken: config.slack.botToken,
                ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
              }),
              token: config.slack.botToken,
            }),
          }
        : {}),
    },
    notify,
    alerts: {
      store: createJsonlAlertStore(alertStorePath(config)),
      notifier: notify.notifier,
      messages: { message: renderAlertMessage, reply: renderAlertReply },
      audit,
    },
    cost: { charts: createChartRenderer(), notifier: notify.notifier, message: costReply },
    // Full pod logs asked for in the terminal: beside the audit log, readable by the worker's user only.
    logExportDir: join(dirname(resolve(config.audit.path)), 'pod-logs'),
    ...composeModel(config),
    ...(config.security
      ? {
          security: {
            run,
            trivyBin: config.tools.trivy,
            config: config.security,
            roots: config.roots,
            repoDir: resolve(config.infraDir, '..'),
            infraDir: config.infraDir,
            // Waivers beside the audit log, as the MFA store: one file every worker of the deployment shares.
            waivers: createJsonlWaiverStore(waiverStorePath(config)),
          },
        }
      : {}),
    ...composeK8s(config, env, run, aws, broker),
  });
  return keepAlive(activities);
}

/**
 * The Kubernetes agent when some environment names a cluster. The kubeconfig is KUBECONFIG's first file or
 * ~/.kube/config, as for kubectl; each environment picks its own context in it.
 */
function composeK8s(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  run: K8sDeps['run'],
  aws: AwsClientFactory,
  broker: CredentialBroker,
): { k8s?: K8sDeps; rollout?: RolloutDeps } {
  if (!Object.values(config.environments).some((e) => e.cluster)) return {};
  const kubeconfig = env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
  return {
    rollout: { run, kubectlBin: config.tools.kubectl, kubeconfig, environments: config.environments, aws, broker },
    k8s: {
      run,
      kubectlBin: config.tools.kubectl,
      helmBin: config.tools.helm,
      kubeconfig,
      environments: config.environments,
      // Local charts are named relative to the repository, which holds infraDir.
      chartRoot: resolve(config.infraDir, '..'),
      rolloutServices: (environment) => {
        const suffix = config.environments[environment as EnvironmentName]?.cluster?.namespaceSuffix ?? '';
        return Object.entries(config.services).map(([name, s]) => ({ name, namespace: `${s.namespace}${suffix}` }));
      },
    },
  };
}

/** Claude on Bedrock when `llm:` is configured; signed with the worker's AWS credentials, never the model's to see. */
function composeModel(config: AppConfig): { model?: ModelPort } {
  const llm = config.llm;
  if (!llm) return {};
  const keys = config.aws.accessKeyId && config.aws.secretAccessKey;
  return {
    model: createBedrockModel({
      modelId: llm.modelId,
      region: llm.region,
      timeoutMs: llm.timeoutMs,
      ...(llm.endpoint ? { endpoint: llm.endpoint } : {}),
      ...(keys
        ? {
            credentials: {
              accessKeyId: config.aws.accessKeyId ?? '',
              secretAccessKey: config.aws.secretAccessKey ?? '',
            },
          }
        : {}),
    }),
  };
}

/** Slack when configured, otherwise a notifier that sends nothing. */
function composeNotify(config: AppConfig): NotifyDeps {
  const messages = createOperationMessages(config);
  if (!config.slack) return { notifier: silentNotifier, messages };
  const client = createActivityWebClient({
    botToken: config.slack.botToken,
    ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}),
  });
  return { notifier: createSlackNotifier({ client }), messages };
}

/** The waiver store's file: `waivers.jsonl` beside the audit log (the state dir in the sandbox). */
export function waiverStorePath(config: Pick<AppConfig, 'audit'>): string {
  return join(dirname(resolve(config.audit.path)), 'waivers.jsonl');
}
