import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';
import type { AuditRecord } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { down, up } from '../../sandbox/manager';
import { isAlive, readPidRecord, stopRecorded } from '../../sandbox/process-control';
import { discardPostgresData } from '../../sandbox/postgres';
import { allServices, motoService, temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import { sandboxSettings } from '../../sandbox/settings';
import { awsClients } from '../../test/support/aws';
import type { PrivateCluster } from '../../test/k8s/private-cluster';
import { startPrivateCluster } from '../../test/k8s/private-cluster';
import { freePort } from '../../test/support/ports';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { loadConfig } from '../../worker/config-loader';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'stacks', 'audit-log-group.yaml');

/** The private sandbox one suite run owns: Temporal + moto on free ports, a workflow bundle built once. */
export interface Suite {
  readonly dir: string;
  readonly settings: SandboxSettings;
  readonly bundlePath: string;
  /** A private Kubernetes control plane (kwok nodes), started at the first k8s scenario's call, shared after. */
  kube(): Promise<PrivateCluster>;
  stop(): Promise<void>;
}

export async function startSuite(): Promise<Suite> {
  const dir = mkdtempSync(join(tmpdir(), 'infra-agent-faults-'));
  process.env.INFRA_AGENT_SANDBOX_DIR = join(dir, 'sandbox');
  process.env.INFRA_AGENT_STATE_DIR = join(dir, 'state');
  process.env.INFRA_AGENT_TEMPORAL_PORT = String(await freePort());
  process.env.INFRA_AGENT_TEMPORAL_UI_PORT = String(await freePort());
  process.env.INFRA_AGENT_MOTO_PORT = String(await freePort());
  process.env.INFRA_AGENT_REGISTRY_PORT = String(await freePort());
  process.env.INFRA_AGENT_POSTGRES_PORT = String(await freePort());
  const settings = sandboxSettings();
  await up(settings, allServices(settings), () => undefined);
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  let cluster: Promise<PrivateCluster> | undefined;
  return {
    dir,
    settings,
    bundlePath,
    kube: () => (cluster ??= startPrivateCluster(2)),
    stop: async () => {
      const c = await cluster?.catch(() => undefined);
      await c?.stop();
      await down(settings, allServices(settings), () => undefined);
      await discardPostgresData(settings, dir);
    },
  };
}

/** One scenario's world: its own task queue, stacks (fresh templates: the validation cache never answers), audit. */
export interface World {
  readonly name: string;
  readonly dir: string;
  readonly config: AppConfig;
  readonly configPath: string;
  readonly auditDir: string;
  readonly session: GatewaySession;
  readonly aws: ReturnType<typeof awsClients>;
  /**
   * Audit records before this index belong to the scenario's set-up (a delete's stack is deployed first, under
   * the same operation id `stack/dev/<name>`), not to the operation under test.
   */
  auditBaseline: number;
  close(): Promise<void>;
}

export async function makeWorld(
  suite: Suite,
  name: string,
  stacks: readonly string[],
  extra: (c: AppConfig) => AppConfig = (c) => c,
): Promise<World> {
  const dir = join(suite.dir, 'scenarios', name);
  const auditDir = join(dir, 'audit');
  mkdirSync(auditDir, { recursive: true });
  const base = loadConfig({ ...process.env, INFRA_AGENT_TASK_QUEUE: `faults-${name}-${randomUUID().slice(0, 8)}` });
  const template = readFileSync(FIXTURE, 'utf8');
  const catalog = { ...base.stacks };
  for (const s of stacks) {
    const path = join(dir, `${s}.yaml`);
    writeFileSync(path, `${template}\n# fault suite ${name} ${randomUUID()}\n`);
    catalog[s] = { name: s, template: path };
  }
  const config = extra({ ...base, stacks: catalog, audit: { path: join(auditDir, 'audit.jsonl') } });
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  const session = await openGateway(config, { pollMs: 100, mutatingCallTimeoutMs: 4000 });
  const aws = awsClients(config);
  return {
    name,
    dir,
    config,
    configPath,
    auditDir,
    session,
    aws,
    auditBaseline: 0,
    close: async () => {
      aws.destroy();
      await session.close();
    },
  };
}

/** A child process (worker or bot) the suite can kill -9. */
export interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<void>;
  alive(): boolean;
  kill9(): Promise<void>;
  /** kill -9 of the process and the tools it runs (helm, kubectl), as a dead container or node takes them all. */
  kill9Tree(): Promise<void>;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Every child process still running: killed when the suite ends, however it ends (no orphan workers). */
const live = new Set<ChildProcess>();

export function killAllChildren(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/**
 * How long a worker or bot may take to start: a cold tsx compile of the worker on a loaded 2-core machine takes
 * over a minute (seen at load average 12: 90 s was not enough). FAULTS_START_TIMEOUT_MS overrides it.
 */
const START_TIMEOUT_MS = Number(process.env.FAULTS_START_TIMEOUT_MS ?? 240_000);

function spawnChild(main: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, main)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    output: () => out,
    exited,
    alive,
    kill9: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    kill9Tree: async () => {
      let pids: number[] = [];
      try {
        pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
          .split('\n')
          .map(Number)
          .filter(Boolean);
      } catch {
        /* no children */
      }
      if (alive()) child.kill('SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
      await exited;
    },
    waitFor: async (text, timeoutMs = START_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (!alive()) throw new Error(`${main} exited before '${text}':\n${out.slice(-2000)}`);
        if (Date.now() > deadline)
          throw new Error(`${main}: no '${text}' within ${timeoutMs} ms:\n${out.slice(-2000)}`);
        await sleep(50);
      }
    },
  };
}

/** Starts a worker on the world's queue (with the fault env given) and waits until it polls. */
export async function startWorker(suite: Suite, world: World, faults: NodeJS.ProcessEnv = {}): Promise<Child> {
  const w = spawnChild('worker-main.ts', {
    FAULTS_CONFIG: world.configPath,
    FAULTS_BUNDLE: suite.bundlePath,
    ...faults,
  });
  await w.waitFor('polling task queue');
  return w;
}

/**
 * Starts and stops one worker before the scenarios, so tsx compiles the worker's sources once (into its cache)
 * instead of in every worker the first scenarios start at the same moment. Returns how long the start took.
 */
export async function warmUp(suite: Suite): Promise<number> {
  const t0 = Date.now();
  const world = await makeWorld(suite, 'warm-up', []);
  try {
    const w = await startWorker(suite, world);
    await w.kill9();
  } finally {
    await world.close();
  }
  return Date.now() - t0;
}

export function startBot(world: World, env: NodeJS.ProcessEnv): Child {
  return spawnChild('bot-main.ts', { FAULTS_CONFIG: world.configPath, ...env });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(150);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
}

export const person = (userId: string) => ({
  userId,
  displayName: userId,
  via: 'cli' as const,
  requestId: randomUUID(),
});

export async function phaseOf(world: World, op: string): Promise<OperationState> {
  return world.session.gateway.state(op);
}

export function awaitingApproval(world: World, op: string, timeoutMs = 120_000): Promise<OperationState> {
  return until(
    async () => {
      const s = await phaseOf(world, op);
      if (s.outcome) throw new Error(`operation ended (${s.outcome}) before the approval wait`);
      return s.phase === 'awaiting-approval' ? s : undefined;
    },
    timeoutMs,
    `${op} to await approval`,
  );
}

/** Approves as bob, retrying while no worker is there to run the update (it needs a workflow task). */
export async function approve(world: World, op: string, timeoutMs = 120_000): Promise<void> {
  const s = await awaitingApproval(world, op, timeoutMs);
  await until(
    async () => {
      await world.session.gateway.approve(op, person('bob'), { artifactId: s.preview!.artifactId });
      return true;
    },
    timeoutMs,
    `the approval of ${op} to be accepted`,
  );
}

/**
 * Approves as bob unless bob's approval was already accepted: a person trying again after an attempt whose answer
 * was lost (the attempt may have gone through; the product then answers "already approved").
 */
export async function approveOnce(world: World, op: string, timeoutMs = 120_000): Promise<void> {
  await until(
    async () => {
      const s = await phaseOf(world, op);
      if (s.approvals.some((a) => a.approver === 'bob')) return true;
      if (s.outcome) throw new Error(`operation ended (${s.outcome}) without bob's approval`);
      if (s.phase !== 'awaiting-approval') return undefined;
      await world.session.gateway.approve(op, person('bob'), { artifactId: s.preview!.artifactId });
      return true;
    },
    timeoutMs,
    `the approval of ${op} to be accepted`,
  );
}

/** The operation's end state, or undefined ("stuck") when it has not ended within `timeoutMs`. */
export async function endState(world: World, op: string, timeoutMs: number): Promise<OperationState | undefined> {
  const timer = sleep(timeoutMs).then(() => undefined);
  return Promise.race([world.session.gateway.result(op), timer]);
}

export function readAudit(world: World): AuditRecord[] {
  let text = '';
  try {
    text = readFileSync(world.config.audit.path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** What a scenario found after recovery. */
export interface Findings {
  readonly duplicates: number;
  readonly lost: number;
  readonly problems: string[];
}

/**
 * The side-effect ledger for one finished stack operation: exactly one `requested` and (when it ran) one
 * `executed`/`completed` audit record, an intact hash chain, and in moto exactly one stack-level CREATE_COMPLETE
 * per deploy (DELETE_COMPLETE per delete).
 */
export async function checkStackOperation(
  world: World,
  op: string,
  stackName: string,
  end: OperationState | undefined,
  expect: { kind: 'deploy' | 'delete'; outcome: string },
): Promise<Findings> {
  const problems: string[] = [];
  let duplicates = 0;
  let lost = 0;
  if (!end) {
    lost++;
    problems.push(`${op} did not end (stuck)`);
  } else if (end.outcome !== expect.outcome) {
    problems.push(`${op} ended ${end.outcome ?? '?'} (${end.message ?? ''}), expected ${expect.outcome}`);
  }
  const records = readAudit(world)
    .slice(world.auditBaseline)
    .filter((r) => r.operationId === op);
  const count = (a: string) => records.filter((r) => r.action === a).length;
  if (count('requested') !== 1) {
    if (count('requested') > 1) duplicates += count('requested') - 1;
    problems.push(`${count('requested')} 'requested' audit records`);
  }
  if (expect.outcome === 'succeeded') {
    if (count('executed') > 1) duplicates += count('executed') - 1;
    if (count('executed') !== 1) problems.push(`${count('executed')} 'executed' audit records`);
  }
  const broken = verifyAuditChain(readAudit(world));
  if (broken !== undefined) problems.push(`audit chain broken at seq ${broken}`);
  if (expect.outcome === 'succeeded') {
    const status = expect.kind === 'deploy' ? 'CREATE_COMPLETE' : 'DELETE_COMPLETE';
    const events = await world.aws.events(stackName).catch(() => []);
    const n = events.filter((e) => e.LogicalResourceId === stackName && e.ResourceStatus === status).length;
    if (n > 1) duplicates += n - 1;
    // moto forgets a deleted stack's events by name: only a deploy's completion is counted in moto.
    if (expect.kind === 'deploy' && n !== 1) problems.push(`${n} stack-level ${status} events`);
    const now = await world.aws.stackStatus(stackName);
    if (expect.kind === 'deploy' && now !== 'CREATE_COMPLETE') problems.push(`stack is ${now ?? 'absent'}`);
    if (expect.kind === 'delete' && now !== undefined) problems.push(`stack still ${now}`);
  }
  const desc = await world.session.gateway
    .state(op)
    .then(() => undefined)
    .catch((e: Error) => e.message);
  if (desc) problems.push(`state query failed after the end: ${desc}`);
  return { duplicates, lost, problems };
}

/** Temporal and moto of the suite's sandbox, to restart or freeze. */
export const services = {
  async restartTemporal(suite: Suite): Promise<void> {
    await stopRecorded(suite.settings.stateDir, 'temporal');
    await up(suite.settings, [temporalService(suite.settings)], () => undefined);
  },
  async killTemporal9(suite: Suite): Promise<void> {
    const rec = await readPidRecord(suite.settings.stateDir, 'temporal');
    if (rec && isAlive(rec.pid)) process.kill(rec.pid, 'SIGKILL');
    await until(() => Promise.resolve(rec && isAlive(rec.pid) ? undefined : true), 10_000, 'temporal to die');
    await up(suite.settings, [temporalService(suite.settings)], () => undefined);
  },
  /** SIGSTOP/SIGCONT the moto process group: AWS stops answering (connections hang) without losing state. */
  async freezeMoto(suite: Suite, frozen: boolean): Promise<void> {
    const rec = await readPidRecord(suite.settings.stateDir, 'moto');
    if (!rec) throw new Error('moto has no pid record');
    try {
      process.kill(-rec.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    } catch {
      process.kill(rec.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    }
  },
  motoHealthy(suite: Suite): Promise<boolean> {
    return motoService(suite.settings).healthy();
  },
};
