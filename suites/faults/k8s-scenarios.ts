import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AppConfig, ReleaseConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { readPidRecord } from '../../sandbox/process-control';
import type { PrivateCluster } from '../../test/k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../../test/support/rollout-env';
import { openGateway } from '../../worker/client-compose';
import type { GatewaySession } from '../../worker/client-compose';
import { connectClient } from '../../worker/temporal-connection';
import type { Child, Findings, Suite, World } from './harness';
import { approve, endState, makeWorld, person, readAudit, sleep, startWorker, until } from './harness';
import { verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';
import type { Scenario, ScenarioResult } from './scenarios';

/**
 * Fault scenarios of the Kubernetes operations, against the suite's private control plane (etcd, kube-apiserver,
 * controller-manager, scheduler, kwok nodes; real helm and kubectl): the worker (and the helm it runs) killed -9
 * while a helm install or upgrade waits for its pods, the worker killed -9 during a rollout's traffic step, and
 * the kube-apiserver stopped (SIGSTOP) during a traffic step.
 */

const exec = promisify(execFile);
const CHART = './test/fixtures/charts/hello';
const END_TIMEOUT = 300_000;

const slugOf = (name: string, max = 40) =>
  name
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .toLowerCase()
    .slice(0, max)
    .replace(/^-|-$/g, '');

/** kubectl and helm against the suite's cluster (argument arrays). */
function tools(cluster: PrivateCluster) {
  const { kubeconfig, contextName } = cluster.kube;
  const kubectl = async (...args: string[]) =>
    (await exec(cluster.kube.bin.kubectl, ['--kubeconfig', kubeconfig, '--context', contextName, ...args])).stdout;
  return {
    kubectl,
    async helmHistory(
      ns: string,
      release: string,
    ): Promise<{ revision: number; status: string; description: string }[]> {
      const { stdout } = await exec(cluster.helm, [
        'history',
        release,
        '--namespace',
        ns,
        '--output',
        'json',
        '--kubeconfig',
        kubeconfig,
        '--kube-context',
        contextName,
      ]);
      return JSON.parse(stdout) as { revision: number; status: string; description: string }[];
    },
    /** Labels every node, so pods with this nodeSelector can be scheduled from now on. */
    async labelNodes(label: string): Promise<void> {
      const nodes = (await kubectl('get', 'nodes', '-o', 'name')).split('\n').filter(Boolean);
      for (const node of nodes) await kubectl('label', '--overwrite', node, label);
    },
    async weights(service: string, ns: string): Promise<Record<string, number>> {
      const vs = JSON.parse(await kubectl('get', 'virtualservice', service, '-n', ns, '-o', 'json')) as {
        spec: { http: { route: { destination: { host: string }; weight?: number }[] }[] };
      };
      const out: Record<string, number> = {};
      for (const r of vs.spec.http[0]?.route ?? []) out[r.destination.host.replace(`${service}-`, '')] = r.weight ?? 0;
      return out;
    },
  };
}

/** A world whose `dev` environment is the suite's cluster, with the given services and releases. */
async function k8sWorld(
  suite: Suite,
  name: string,
  add: { services?: Record<string, Record<string, unknown>>; releases?: Record<string, ReleaseConfig> },
): Promise<{ world: World; cluster: PrivateCluster }> {
  const cluster = await suite.kube();
  const tc = rolloutTestConfig(cluster, add.services ?? {});
  // The rollout test config's security section: none (the suite's images have no trivy archive, so the gate would
  // fail closed before the approval; the gate has its own tests in test/security).
  const world = await makeWorld(suite, name, [], ({ security: _sandboxGates, ...c }: AppConfig) => ({
    ...c,
    ...(tc.config.security ? { security: tc.config.security } : {}),
    infraDir: tc.config.infraDir,
    tools: tc.config.tools,
    environments: tc.config.environments,
    services: tc.config.services,
    releases: add.releases ?? {},
  }));
  return { world, cluster };
}

/** One requested, at most one executed audit record of `op` (after the set-up), and an intact chain. */
function auditFindings(world: World, op: string, expectExecuted: boolean): Findings {
  const problems: string[] = [];
  let duplicates = 0;
  const records = readAudit(world)
    .slice(world.auditBaseline)
    .filter((r) => r.operationId === op);
  const count = (a: string) => records.filter((r) => r.action === a).length;
  if (count('requested') !== 1) problems.push(`${count('requested')} 'requested' audit records`);
  duplicates += Math.max(0, count('requested') - 1);
  if (expectExecuted) {
    if (count('executed') !== 1) problems.push(`${count('executed')} 'executed' audit records`);
    duplicates += Math.max(0, count('executed') - 1);
  }
  const broken = verifyAuditChain(readAudit(world));
  if (broken !== undefined) problems.push(`audit chain broken at seq ${broken}`);
  return { duplicates, lost: 0, problems };
}

function ended(end: OperationState | undefined, op: string, outcomes: readonly string[]): Findings {
  if (!end) return { duplicates: 0, lost: 1, problems: [`${op} did not end (stuck)`] };
  if (!outcomes.includes(end.outcome ?? ''))
    return {
      duplicates: 0,
      lost: 0,
      problems: [`${op} ended ${end.outcome ?? '?'} (${end.message ?? ''}), expected ${outcomes.join(' or ')}`],
    };
  return { duplicates: 0, lost: 0, problems: [] };
}

function merge(recoverMs: number, ...all: Findings[]): ScenarioResult {
  return {
    recoverMs,
    duplicates: all.reduce((n, f) => n + f.duplicates, 0),
    lost: all.reduce((n, f) => n + f.lost, 0),
    problems: all.flatMap((f) => f.problems),
  };
}

async function startAndApprove(world: World, start: () => Promise<{ operationId: string }>): Promise<string> {
  const op = (await start()).operationId;
  await approve(world, op, 180_000);
  return op;
}

/**
 * A helm install or upgrade, approved, whose `helm --wait` waits for pods no node can take yet (a nodeSelector no
 * node has): the worker and its helm are killed -9 while the release is pending-install / pending-upgrade, then
 * the nodes get the label and a new worker starts. The retried write must recognise the pending revision as its
 * own, undo it and write once more: one deployed revision written by the agent, one `executed` record.
 */
function helmKill(name: string, kind: 'helm-install' | 'helm-upgrade'): Scenario {
  return {
    name,
    // The upgrade installs first; the retried write waits out the heartbeat timeout, rolls back and writes again.
    timeoutMs: 15 * 60_000,
    async run(suite) {
      const slug = slugOf(name.replace(/^k8s\//, ''), 30);
      const label = `pool-${slug}`;
      const blocked = { replicaCount: 3, nodeSelector: { [label]: 'yes' } };
      // Operation ids are per release (`helm/dev/<release>`): every scenario has a release of its own.
      const rel = `web-${slug}`.slice(0, 40).replace(/-$/, '');
      const release = (values?: ReleaseConfig['values']): Record<string, ReleaseConfig> => ({
        [rel]: { name: rel, chart: CHART, namespace: slug, ...(values ? { values } : {}) },
      });
      const { world, cluster } = await k8sWorld(suite, name, {
        releases: release(kind === 'helm-install' ? blocked : undefined),
      });
      const k = tools(cluster);
      const ns = `${slug}-dev`;
      const children: Child[] = [];
      let upgradeSession: GatewaySession | undefined;
      try {
        let before = 0;
        if (kind === 'helm-upgrade') {
          // Set-up: installed with values every node can take, by a clean worker.
          const w = await startWorker(suite, world);
          children.push(w);
          const setup = await startAndApprove(world, () =>
            world.session.gateway.startHelmRelease('helm-install', rel, 'dev', person('alice')),
          );
          const end = await endState(world, setup, END_TIMEOUT);
          if (end?.outcome !== 'succeeded') throw new Error(`set-up install ended ${end?.outcome}: ${end?.message}`);
          await w.kill9();
          world.auditBaseline = readAudit(world).length;
          before = (await k.helmHistory(ns, rel)).length;
          // The upgrade's values come from the catalog the gateway reads: a front end with the new values.
          upgradeSession = await openGateway(
            { ...world.config, releases: release(blocked) },
            { pollMs: 100, mutatingCallTimeoutMs: 4000 },
          );
        }
        const gw = (upgradeSession ?? world.session).gateway;
        const w1 = await startWorker(suite, world);
        children.push(w1);
        const op = await startAndApprove(world, () => gw.startHelmRelease(kind, rel, 'dev', person('alice')));
        const pending = kind === 'helm-install' ? 'pending-install' : 'pending-upgrade';
        await until(
          async () => ((await k.helmHistory(ns, rel).catch(() => [])).at(-1)?.status === pending ? true : undefined),
          120_000,
          `${ns}/${rel} to be ${pending}`,
        );
        const killedAt = Date.now();
        await w1.kill9Tree();
        await k.labelNodes(`${label}=yes`);
        children.push(await startWorker(suite, world));
        const end = await endState(world, op, END_TIMEOUT);
        const recoverMs = Date.now() - killedAt;

        const problems: string[] = [];
        const history = (await k.helmHistory(ns, rel)).filter((h) => h.revision > before);
        const written = history.filter((h) => h.description.startsWith('infra-agent '));
        if (written.length !== 1)
          problems.push(
            `${written.length} revisions written by the agent: ${history.map((h) => `${h.revision} ${h.status} ${h.description}`).join(', ')}`,
          );
        if (history.at(-1)?.status !== 'deployed') problems.push(`last revision is ${history.at(-1)?.status}`);
        const d = JSON.parse(await k.kubectl('get', 'deployment', '-n', ns, '-o', 'json')) as {
          items: { spec: { replicas: number }; status: { readyReplicas?: number } }[];
        };
        const ready = d.items.map((i) => `${i.status.readyReplicas ?? 0}/${i.spec.replicas}`);
        if (ready.length !== 1 || ready[0] !== '3/3') problems.push(`deployments ready: ${ready.join(', ')}`);
        return merge(recoverMs, ended(end, op, ['succeeded']), auditFindings(world, op, true), {
          duplicates: Math.max(0, written.length - 1),
          lost: 0,
          problems,
        });
      } finally {
        for (const c of children) await c.kill9Tree();
        await upgradeSession?.close();
        await world.close();
      }
    },
  };
}

/** A blue/green rollout of a service of its own (namespace = service), steps 10/50/100 %. */
function rolloutService(service: string, stepWait: string): Record<string, Record<string, unknown>> {
  return {
    [service]: testServiceYaml({ stepWait }, { image: `ghcr.io/example/${service}`, namespace: service }),
  };
}

async function activityCount(world: World, op: string, type: string): Promise<number> {
  const client = await connectClient(world.config.temporal);
  try {
    const history = await client.workflow.getHandle(op).fetchHistory();
    return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
      .length;
  } finally {
    await client.connection.close();
  }
}

/** The traffic of a finished rollout: all on one colour (the new one for `succeeded`). */
async function trafficFindings(
  k: ReturnType<typeof tools>,
  service: string,
  end: OperationState | undefined,
): Promise<Findings> {
  const w = await k.weights(service, `${service}-dev`);
  const problems: string[] = [];
  const values = Object.values(w).sort((a, b) => a - b);
  if (values.join('/') !== '0/100') problems.push(`traffic split ${JSON.stringify(w)} after the end`);
  const to = end?.rollout?.toColour;
  if (end?.outcome === 'succeeded' && to && w[to] !== 100) problems.push(`new colour ${to} has ${w[to]}%`);
  return { duplicates: 0, lost: 0, problems };
}

/**
 * The worker killed -9 during a rollout's second traffic step (50 %): a new worker resumes at that step; no
 * traffic step runs twice (3 `setTraffic` activities for 3 steps), all traffic ends on the new colour.
 */
function rolloutKill(name: string, service: string): Scenario {
  return {
    name,
    timeoutMs: 12 * 60_000,
    async run(suite) {
      const { world, cluster } = await k8sWorld(suite, name, { services: rolloutService(service, '5s') });
      const k = tools(cluster);
      const children: Child[] = [];
      try {
        const w1 = await startWorker(suite, world);
        children.push(w1);
        const op = await startAndApprove(world, () =>
          world.session.gateway.startRollout(service, '1.0.0', 'dev', person('alice')),
        );
        await until(
          async () => {
            const s = await world.session.gateway.state(op);
            if (s.outcome) throw new Error(`${op} ended ${s.outcome} before its second step: ${s.message}`);
            return s.rollout?.stepIndex === 1 && s.phase === 'analysing' ? true : undefined;
          },
          180_000,
          'the second traffic step',
        );
        const killedAt = Date.now();
        await w1.kill9Tree();
        children.push(await startWorker(suite, world));
        const end = await endState(world, op, END_TIMEOUT);
        const recoverMs = Date.now() - killedAt;
        const steps = await activityCount(world, op, 'setTraffic');
        const once: Findings =
          steps === 3
            ? { duplicates: 0, lost: 0, problems: [] }
            : {
                duplicates: Math.max(0, steps - 3),
                lost: 0,
                problems: [`${steps} setTraffic activities for 3 steps`],
              };
        return merge(
          recoverMs,
          ended(end, op, ['succeeded']),
          auditFindings(world, op, false),
          await trafficFindings(k, service, end),
          once,
        );
      } finally {
        for (const c of children) await c.kill9Tree();
        await world.close();
      }
    },
  };
}

/**
 * The kube-apiserver stopped (SIGSTOP: connections accepted, never answered) for the outage during a rollout's
 * first traffic step, then continued. Reads that fail are no verdict: the rollout measures again and ends with all
 * traffic on one colour: succeeded, or rolled back for a measured reason (never for "could not read").
 */
function rolloutApiserverPause(name: string, service: string): Scenario {
  return {
    name,
    exclusive: true,
    timeoutMs: 12 * 60_000,
    async run(suite, opts) {
      const { world, cluster } = await k8sWorld(suite, name, { services: rolloutService(service, '4s') });
      const k = tools(cluster);
      const worker = await startWorker(suite, world);
      let stopped: number | undefined;
      try {
        const op = await startAndApprove(world, () =>
          world.session.gateway.startRollout(service, '1.0.0', 'dev', person('alice')),
        );
        await until(
          async () => {
            const s = await world.session.gateway.state(op);
            if (s.outcome) throw new Error(`${op} ended ${s.outcome} before its first step: ${s.message}`);
            return s.rollout?.stepIndex === 0 && s.phase === 'analysing' ? true : undefined;
          },
          180_000,
          'the first traffic step',
        );
        const rec = await readPidRecord(cluster.sandbox.stateDir, 'kube-apiserver');
        if (!rec) throw new Error('kube-apiserver has no pid record');
        process.kill(rec.pid, 'SIGSTOP');
        stopped = rec.pid;
        await sleep(opts.outageMs);
        process.kill(rec.pid, 'SIGCONT');
        stopped = undefined;
        const thawedAt = Date.now();
        const end = await endState(world, op, END_TIMEOUT);
        const recoverMs = Date.now() - thawedAt;
        const problems: string[] = [];
        if (end?.outcome === 'rolled-back' && /could not (measure|read)/.test(end.message ?? ''))
          problems.push(`rolled back for a read error: ${end.message}`);
        return merge(
          recoverMs,
          ended(end, op, ['succeeded', 'rolled-back']),
          auditFindings(world, op, false),
          await trafficFindings(k, service, end),
          { duplicates: 0, lost: 0, problems },
        );
      } finally {
        if (stopped) process.kill(stopped, 'SIGCONT');
        await worker.kill9Tree();
        await world.close();
      }
    },
  };
}

/** The Kubernetes scenarios, in run order (each starts the shared private cluster if it is not up yet). */
export const K8S_SCENARIOS: readonly Scenario[] = [
  helmKill('k8s/helm/install/kill9-mid-write', 'helm-install'),
  helmKill('k8s/helm/upgrade/kill9-mid-write', 'helm-upgrade'),
  rolloutKill('k8s/rollout/traffic-step/kill9', 'rk-step'),
  rolloutApiserverPause('k8s/rollout/kube-apiserver-paused', 'rk-pause'),
];
