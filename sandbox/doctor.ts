import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createRunCommand } from '../adapters/cli/run-command';
import { DEFAULT_CHART_FONT } from '../adapters/chart/vega-png';
import { checkKubeTarget } from '../adapters/k8s/target';
import type { AppConfig } from '../core/config';
import { ConfigError, loadConfig } from '../worker/config-loader';
import { resolveMfaKey } from '../worker/mfa-compose';
import { connectClient } from '../worker/temporal-connection';
import { kubeServices, kubeSettings } from './kube/services';
import { describeOwner, findPortOwner, isPortFree } from './port-owner';
import { isOurProcess, readPidRecord } from './process-control';
import { allServices } from './services';
import { sandboxSettings } from './settings';
import { allTaskQueues } from '../core/task-queues';

/** One line of `npm run doctor`: what was checked, ok or not, and what to do when not. */
export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do, for a failed check. */
  readonly fix?: string;
}

const ok = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({ check, ok: false, detail, fix });

/** The configuration, every problem in it (paths included: the loader checks them) as one FAIL line each. */
export function checkConfig(env: NodeJS.ProcessEnv): { config?: AppConfig; results: CheckResult[] } {
  try {
    const config = loadConfig(env);
    const source = env.INFRA_AGENT_CONFIG || 'config/sandbox.yaml (the embedded default)';
    return {
      config,
      results: [
        ok('config', `${source} loads; infraDir ${config.infraDir}, roots ${config.roots.join(', ')}`),
        ok(
          'config paths',
          `${Object.keys(config.stacks).length} template(s), local charts, kubeconfigs, audit folder: checked`,
        ),
      ],
    };
  } catch (e) {
    if (!(e instanceof ConfigError)) return { results: [fail('config', (e as Error).message, 'fix the file')] };
    return {
      results: e.issues.map((i) =>
        fail('config', `${i.path}: ${i.problem}`, `edit ${e.source} (or point INFRA_AGENT_CONFIG at the right file)`),
      ),
    };
  }
}

/** The tools the worker runs, as configured: an absolute path must be an executable file, a bare name on PATH. */
export function checkConfiguredTools(config: AppConfig, env: NodeJS.ProcessEnv): CheckResult[] {
  const settings: Record<string, string> = { ...config.tools };
  return Object.entries(settings).map(([key, bin]) => {
    const candidates = bin.includes('/') ? [bin] : (env.PATH ?? '').split(delimiter).map((d) => join(d, bin));
    const found = candidates.find((c) => {
      try {
        accessSync(c, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
    return found
      ? ok(`tools.${key}`, found)
      : fail(
          `tools.${key}`,
          `'${bin}' ${bin.includes('/') ? 'is not an executable file' : 'is not on PATH'}`,
          'run bash sandbox/bootstrap.sh (or set tools.' + key + ' in the config to where it is installed)',
        );
  });
}

/** The pinned tools at their pinned versions: `npm run sandbox -- tools`, one line per tool. */
export function checkPinnedTools(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(__dirname, 'cli.ts'), 'tools'],
      { env, timeout: 300_000, maxBuffer: 1 << 20 },
      (_err, stdout) => {
        const lines = stdout.split('\n').filter((l) => /^(ok |BAD|MISSING)/.test(l));
        if (lines.length === 0) {
          resolve([fail('pinned tools', 'could not list them', 'run npm run sandbox -- tools to see why')]);
          return;
        }
        resolve(
          lines.map((l) => {
            const [status = '', name = '?', ...rest] = l.trim().split(/\s+/);
            const detail = rest.join(' ').replace(/ install: .*$/, ' — not installed');
            return status === 'ok'
              ? ok(`tool ${name}`, detail)
              : fail(`tool ${name}`, detail, 'bash sandbox/bootstrap.sh installs the pinned version');
          }),
        );
      },
    );
  });
}

/** Each sandbox port: free, or held by this sandbox's own process (its pid file says so). */
export async function checkPorts(env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const settings = sandboxSettings(env);
  const services = [...allServices(settings), ...kubeServices(kubeSettings(env, settings.stateDir))];
  const out: CheckResult[] = [];
  for (const svc of services) {
    const record = await readPidRecord(settings.stateDir, svc.name);
    const ours = record !== undefined && (await isOurProcess(record));
    for (const port of svc.ports) {
      const check = `port ${port} (${svc.name})`;
      if (await isPortFree(port, settings.host)) out.push(ok(check, 'free'));
      else {
        const owner = await findPortOwner(port);
        if (ours && (owner?.pid === undefined || owner.pid === record?.pid))
          out.push(ok(check, `held by our sandbox (pid ${record?.pid ?? '?'})`));
        else
          out.push(
            fail(
              check,
              `taken by ${describeOwner(owner)}`,
              `stop that process, or give the sandbox another port (see npm run sandbox -- --help)`,
            ),
          );
      }
    }
  }
  return out;
}

/** Temporal answers, and a worker polls each of the config's task queues (core/task-queues.ts) for workflow and activity tasks. */
export async function checkTemporal(config: AppConfig): Promise<CheckResult[]> {
  let client: Client;
  try {
    client = await connectClient(config.temporal);
  } catch (e) {
    return [fail('temporal', (e as Error).message, 'npm run sandbox -- up, or fix temporal.address in the config')];
  }
  const { namespace, address } = config.temporal;
  const out: CheckResult[] = [];
  try {
    out.push(ok('temporal', `${address} answers (namespace ${namespace})`));
    const queues = allTaskQueues(config);
    for (const taskQueue of queues)
      for (const [type, label] of [
        [1, 'workflow'],
        [2, 'activity'],
      ] as const) {
        const what = queues.length > 1 ? `worker on ${taskQueue} (${label} tasks)` : `worker (${label} tasks)`;
        const res = await client.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: type,
        });
        const pollers = res.pollers ?? [];
        out.push(
          pollers.length > 0
            ? ok(
                what,
                `${pollers.length} poller(s) on task queue ${taskQueue}: ${pollers.map((p) => p.identity ?? '?').join(', ')}`,
              )
            : fail(
                what,
                `no worker polls task queue ${taskQueue}`,
                'start one: node bin/infra-agent worker (npm start does)',
              ),
        );
      }
  } catch (e) {
    out.push(fail('temporal', `${address}: ${(e as Error).message}`, 'check temporal.namespace and the server'));
  } finally {
    await client.connection.close();
  }
  return out;
}

/** The MFA key, when some environment's approvals need MFA (PRD always does). */
export function checkMfaKey(config: AppConfig, env: NodeJS.ProcessEnv): CheckResult[] {
  const needing = Object.values(config.environments)
    .filter((e) => e.approval.mfa)
    .map((e) => e.name);
  if (needing.length === 0) return [ok('mfa key', 'no environment needs MFA')];
  const r = resolveMfaKey(env);
  const said = r.description.replace(/^MFA key: /, '');
  return [
    r.key
      ? ok('mfa key', `${said} (needed by ${needing.join(', ')})`)
      : fail(
          'mfa key',
          `${said}; ${needing.join(', ')} approvals need MFA`,
          'set INFRA_AGENT_MFA_KEY to the bot’s key (32 random bytes in base64) or run infra-agent mfa keygen',
        ),
  ];
}

/** The font cost charts are drawn with: resvg draws no text without a font file (adapters/chart/vega-png.ts). */
export function checkChartFont(font: string = DEFAULT_CHART_FONT): CheckResult[] {
  return [
    existsSync(font)
      ? ok('chart font', font)
      : fail('chart font', `${font} does not exist: cost charts cannot be drawn`, 'apt-get install fonts-dejavu-core'),
  ];
}

/** Each environment's kube context: the kubeconfig has it, its user runs no program, and the API server answers. */
export async function checkKube(config: AppConfig, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const fallback = env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
  const targets = new Map<string, { kubeconfig: string; context: string; envs: string[] }>();
  for (const e of Object.values(config.environments)) {
    if (!e.cluster) continue;
    const kubeconfig = e.cluster.kubeconfig ?? fallback;
    const key = `${kubeconfig}\0${e.cluster.kubeContext}`;
    const t = targets.get(key) ?? { kubeconfig, context: e.cluster.kubeContext, envs: [] };
    t.envs.push(e.name);
    targets.set(key, t);
  }
  if (targets.size === 0) return [ok('kube', 'no environment names a cluster')];
  const run = createRunCommand();
  const out: CheckResult[] = [];
  for (const t of targets.values()) {
    const check = `kube ${t.context} (${t.envs.join(', ')})`;
    if (!existsSync(t.kubeconfig)) {
      out.push(
        fail(check, `kubeconfig ${t.kubeconfig} does not exist`, 'npm run sandbox -- up (the sandbox writes it)'),
      );
      continue;
    }
    try {
      await checkKubeTarget(t);
      const r = await run({
        file: config.tools.kubectl,
        args: ['--kubeconfig', t.kubeconfig, '--context', t.context, 'get', '--raw', '/readyz', '--request-timeout=5s'],
        timeoutMs: 15_000,
      });
      out.push(
        r.exitCode === 0
          ? ok(check, `API server ready (${t.kubeconfig})`)
          : fail(
              check,
              `kubectl get --raw /readyz failed: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`,
              'start the cluster (npm run sandbox -- up) or fix the kubeconfig',
            ),
      );
    } catch (e) {
      out.push(fail(check, (e as Error).message, 'fix environments.<env>.cluster in the config or the kubeconfig'));
    }
  }
  return out;
}

/** Every check, in the order a newcomer fixes them. Checks that need the config are left out when it fails. */
export async function doctor(env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  const { config, results } = checkConfig(env);
  const tools = await checkPinnedTools(env);
  const ports = await checkPorts(env);
  if (!config) return [...results, ...tools, ...ports];
  return [
    ...results,
    ...checkConfiguredTools(config, env),
    ...tools,
    ...ports,
    ...(await checkTemporal(config)),
    ...checkMfaKey(config, env),
    ...checkChartFont(),
    ...(await checkKube(config, env)),
  ];
}

/** One line per check: `ok` or `FAIL`, what was found, and for a failure what to do. */
export function formatCheck(r: CheckResult): string {
  return `${r.ok ? 'ok  ' : 'FAIL'} ${r.check}: ${r.detail}${r.ok || !r.fix ? '' : ` — fix: ${r.fix}`}`;
}

async function main(): Promise<number> {
  const results = await doctor(process.env);
  for (const r of results) console.log(formatCheck(r));
  const failed = results.filter((r) => !r.ok).length;
  console.log(failed === 0 ? 'doctor: everything ok' : `doctor: ${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`doctor: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
