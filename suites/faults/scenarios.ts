import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../core/config';
import { FakeSlack } from '../../test/support/fake-slack/server';
import { K8S_SCENARIOS } from './k8s-scenarios';
import type { Child, Findings, Suite, World } from './harness';
import {
  approve,
  approveOnce,
  awaitingApproval,
  checkStackOperation,
  endState,
  makeWorld,
  person,
  readAudit,
  services,
  sleep,
  startBot,
  startWorker,
  until,
} from './harness';

/** What one scenario measured. `recoverMs`: from the fault (kill -9, restart, outage end) to the operation's end. */
export interface ScenarioResult extends Findings {
  readonly recoverMs: number;
}

export interface Scenario {
  readonly name: string;
  /** In the bounded (CI) run. */
  readonly bounded?: boolean;
  /** Touches what every scenario shares (Temporal, moto): runs alone. */
  readonly exclusive?: boolean;
  /** How long the scenario may take in all (set-up included), when longer than the suite's default. */
  readonly timeoutMs?: number;
  run(suite: Suite, opts: RunOptions): Promise<ScenarioResult>;
}

export interface RunOptions {
  /** How long an AWS outage lasts. */
  readonly outageMs: number;
}

type Kind = 'deploy' | 'delete';
const END_TIMEOUT = 240_000;

/** A world with one stack; for a delete, the stack is deployed first (by a clean worker, then stopped). */
async function stackWorld(
  suite: Suite,
  name: string,
  kind: Kind,
  extra?: (c: AppConfig) => AppConfig,
): Promise<{ world: World; stack: string; stackName: string }> {
  // Operation ids are per stack (`stack/dev/<name>`): every scenario deploys a stack of its own.
  const stack = `f-${name.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase()}`.slice(0, 60).replace(/-$/, '');
  const world = await makeWorld(suite, name, [stack], extra);
  const stackName = world.session.gateway.stackName(stack, 'dev');
  if (kind === 'delete') {
    const w = await startWorker(suite, world);
    try {
      const op = (await world.session.gateway.startStackOperation('deploy-stack', stack, 'dev', person('alice')))
        .operationId;
      await approve(world, op);
      const end = await endState(world, op, END_TIMEOUT);
      if (end?.outcome !== 'succeeded') throw new Error(`set-up deploy of ${stackName} ended ${end?.outcome}`);
      world.auditBaseline = readAudit(world).length;
    } finally {
      await w.kill9();
    }
  }
  return { world, stack, stackName };
}

function startOp(world: World, stack: string, kind: Kind, notify?: { channel: string }) {
  return world.session.gateway
    .startStackOperation(kind === 'deploy' ? 'deploy-stack' : 'delete-stack', stack, 'dev', person('alice'), {
      ...(notify ? { notify } : {}),
    })
    .then((s) => s.operationId);
}

async function finish(
  world: World,
  op: string,
  stackName: string,
  kind: Kind,
  faultAt: number,
  extra: Findings = { duplicates: 0, lost: 0, problems: [] },
): Promise<ScenarioResult> {
  const end = await endState(world, op, END_TIMEOUT);
  const recoverMs = Date.now() - faultAt;
  const f = await checkStackOperation(world, op, stackName, end, { kind, outcome: 'succeeded' });
  return {
    recoverMs,
    duplicates: f.duplicates + extra.duplicates,
    lost: f.lost + extra.lost,
    problems: [...f.problems, ...extra.problems],
  };
}

/** How the first worker meets its end. */
type Trigger =
  | { readonly on: 'self'; readonly env: NodeJS.ProcessEnv } // it SIGKILLs itself (fault injection)
  | { readonly on: 'hang'; readonly tool: string } // a tool hangs; the suite kills it then
  | { readonly on: 'phase'; readonly phase: string }; // the suite kills it once the operation shows this phase

interface WorkerKill {
  readonly name: string;
  readonly kind: Kind;
  readonly trigger: Trigger;
  /** Approve before the kill (the kill lands in executing / waiting for the stack). */
  readonly afterApproval: boolean;
  /** A second worker already polls the queue when the first dies (takeover instead of restart). */
  readonly standby?: boolean;
  /** The replacement worker carries this fault too (a second kill in a later step), then a clean one starts. */
  readonly second?: NodeJS.ProcessEnv;
  readonly bounded?: boolean;
}

function workerKill(s: WorkerKill): Scenario {
  return {
    name: s.name,
    ...(s.bounded ? { bounded: true } : {}),
    async run(suite) {
      const { world, stack, stackName } = await stackWorld(suite, s.name, s.kind);
      const children: Child[] = [];
      try {
        // With a standby, a self-kill fires once (in whichever worker first gets there): the other worker,
        // carrying the same fault, must take the step over rather than die on its retry.
        const env =
          s.trigger.on === 'self'
            ? { ...s.trigger.env, ...(s.standby ? { FAULTS_KILL_ONCE_FILE: join(world.dir, 'kill-fired') } : {}) }
            : s.trigger.on === 'hang'
              ? { INFRA_AGENT_FAULT_HANG_COMMAND: s.trigger.tool }
              : {};
        const w1 = await startWorker(suite, world, env);
        children.push(w1);
        // A standby for a self-killing fault carries the same fault: whichever worker runs the step dies there.
        if (s.standby && s.trigger.on === 'self') children.push(await startWorker(suite, world, env));
        const op = await startOp(world, stack, s.kind);
        if (s.afterApproval) await approve(world, op);
        let killedAt: number;
        if (s.trigger.on === 'self') {
          await until(
            () => Promise.resolve(children.some((c) => !c.alive()) ? true : undefined),
            120_000,
            'a worker to kill itself',
          );
          killedAt = Date.now();
        } else {
          if (s.trigger.on === 'hang') await w1.waitFor(`[fault-injection] ${s.trigger.tool} started`, 120_000);
          else {
            const phase = s.trigger.phase;
            await until(
              async () => ((await world.session.gateway.state(op)).phase === phase ? true : undefined),
              120_000,
              `phase ${phase}`,
            );
          }
          if (s.standby) children.push(await startWorker(suite, world));
          killedAt = Date.now();
          await w1.kill9();
        }
        if (s.second) {
          const w2 = await startWorker(suite, world, s.second);
          children.push(w2);
          await until(() => Promise.resolve(w2.alive() ? undefined : true), 120_000, 'the second worker to die');
        }
        if (!s.standby) children.push(await startWorker(suite, world));
        if (!s.afterApproval) await approve(world, op);
        const r = await finish(world, op, stackName, s.kind, killedAt);
        if (s.trigger.on !== 'self') return r;
        // The kill must have been the injected one, at the intended step (not a crash for another reason).
        const fired = children.filter((c) => c.output().includes('[fault-injection]')).length;
        const expected = s.second ? 2 : 1;
        return fired === expected
          ? r
          : { ...r, problems: [...r.problems, `${fired} injected kills, expected ${expected}`] };
      } finally {
        for (const c of children) await c.kill9();
        await world.close();
      }
    },
  };
}

/** The bot (a front end process) killed -9 at a step; a restarted bot re-sends the same request. */
function botKill(
  name: string,
  kind: Kind,
  at: 'spawn' | 'started' | 'awaiting' | 'approved',
  bounded = false,
): Scenario {
  return {
    name,
    ...(bounded ? { bounded: true } : {}),
    async run(suite) {
      const { world, stack, stackName } = await stackWorld(suite, name, kind);
      const worker = await startWorker(suite, world);
      const env = {
        FAULTS_KIND: kind === 'deploy' ? 'deploy-stack' : 'delete-stack',
        FAULTS_STACK: stack,
        FAULTS_REQUEST_ID: randomUUID(),
        FAULTS_BOT_APPROVE: '1',
      };
      try {
        const bot = startBot(world, env);
        if (at === 'spawn') await sleep(1500);
        else await bot.waitFor(`[bot] ${at}`, 120_000);
        const killedAt = Date.now();
        await bot.kill9();
        const again = startBot(world, env);
        await again.exited;
        const out = again.output();
        const line = /\[bot\] started (\S+) duplicate=(\w+)/.exec(out);
        const problems: string[] = [];
        if (!line) return { recoverMs: Date.now() - killedAt, duplicates: 0, lost: 1, problems: [out.slice(-800)] };
        const op = line[1]!;
        // One request, one operation: every 'requested' record carrying the bot's request id.
        await sleep(500);
        const requested = readAudit(world).filter(
          (r) => r.action === 'requested' && r.details?.requestId === env.FAULTS_REQUEST_ID,
        );
        if (requested.length !== 1) problems.push(`${requested.length} operations started for one request`);
        const started = requested;
        return await finish(world, op, stackName, kind, killedAt, {
          duplicates: Math.max(0, started.length - 1),
          lost: 0,
          problems,
        });
      } finally {
        await worker.kill9();
        await world.close();
      }
    },
  };
}

/** The Temporal server restarted (SIGTERM) or killed -9 at a point of a deploy; the worker keeps running. */
function temporalFault(
  name: string,
  kind: Kind,
  at: 'awaiting' | 'validating' | 'executing',
  how: 'restart' | 'kill9',
  bounded = false,
): Scenario {
  return {
    name,
    exclusive: true,
    ...(bounded ? { bounded: true } : {}),
    async run(suite) {
      const { world, stack, stackName } = await stackWorld(suite, name, kind);
      const worker = await startWorker(suite, world);
      try {
        const op = await startOp(world, stack, kind);
        if (at === 'awaiting') await awaitingApproval(world, op);
        if (at === 'executing') await approve(world, op);
        const faultAt = Date.now();
        await (how === 'restart' ? services.restartTemporal(suite) : services.killTemporal9(suite));
        if (at !== 'executing') await approve(world, op, 180_000);
        return await finish(world, op, stackName, kind, faultAt);
      } finally {
        await worker.kill9();
        await world.close();
      }
    },
  };
}

/** moto (AWS) frozen with SIGSTOP for the outage, at a point of the operation, then thawed. */
function motoOutage(name: string, kind: Kind, at: 'previewing' | 'executing', bounded = false): Scenario {
  return {
    name,
    exclusive: true,
    ...(bounded ? { bounded: true } : {}),
    async run(suite, opts) {
      const { world, stack, stackName } = await stackWorld(suite, name, kind);
      const worker = await startWorker(suite, world);
      let frozen = false;
      try {
        const op = await startOp(world, stack, kind);
        if (at === 'executing') {
          await awaitingApproval(world, op);
          await services.freezeMoto(suite, (frozen = true));
          await approve(world, op);
        } else {
          await services.freezeMoto(suite, (frozen = true));
        }
        await sleep(opts.outageMs);
        await services.freezeMoto(suite, (frozen = false));
        const thawedAt = Date.now();
        if (at === 'previewing') await approve(world, op, 180_000);
        return await finish(world, op, stackName, kind, thawedAt);
      } finally {
        if (frozen) await services.freezeMoto(suite, false);
        await worker.kill9();
        await world.close();
      }
    },
  };
}

/** Fake Slack answering 429/500 bursts (or down) while the worker notifies about a deploy. */
function slackFault(
  name: string,
  fault: (s: FakeSlack) => void,
  heal?: { afterMs: number; run: (s: FakeSlack) => void },
  bounded = false,
): Scenario {
  return {
    name,
    ...(bounded ? { bounded: true } : {}),
    async run(suite) {
      const slack = await FakeSlack.start();
      const channel = `C${randomUUID().slice(0, 8).toUpperCase()}`;
      const withSlack = (c: AppConfig): AppConfig => ({
        ...c,
        slack: {
          mode: 'http',
          botToken: 'xoxb-faults',
          signingSecret: 'faults-signing-secret',
          appToken: 'xapp-faults',
          botId: 'B0FAULTS',
          botUserId: 'U0FAULTS',
          apiUrl: slack.apiUrl,
          port: 0,
        },
      });
      const { world, stack, stackName } = await stackWorld(suite, name, 'deploy', withSlack);
      const worker = await startWorker(suite, world);
      try {
        fault(slack);
        const faultAt = Date.now();
        const op = await startOp(world, stack, 'deploy', { channel });
        if (heal) setTimeout(() => heal.run(slack), heal.afterMs);
        await approve(world, op);
        const r = await finish(world, op, stackName, 'deploy', faultAt);
        // The status card is posted once and then updated: more than one top-level post is a duplicate.
        await sleep(2000);
        const posts = slack
          .callsOf('chat.postMessage')
          .filter((c) => c.args.channel === channel && c.args.thread_ts === undefined);
        const problems = [...r.problems];
        if (posts.length !== 1) problems.push(`${posts.length} top-level status posts in ${channel}`);
        return { ...r, duplicates: r.duplicates + Math.max(0, posts.length - 1), problems };
      } finally {
        await worker.kill9();
        await world.close();
        await slack.stop();
      }
    },
  };
}

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}
function umount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    /* not mounted */
  }
}

/**
 * The audit directory made read-only (a read-only bind mount: root ignores chmod) or full (a tiny tmpfs filled
 * up) at a point of a deploy, for `faultMs`, then healed.
 */
function auditFault(name: string, how: 'read-only' | 'full', at: 'start' | 'awaiting', bounded = false): Scenario {
  return {
    name,
    ...(bounded ? { bounded: true } : {}),
    async run(suite, opts) {
      const { world, stack, stackName } = await stackWorld(suite, name, 'deploy');
      const dir = world.auditDir;
      const filler = join(dir, 'filler');
      if (how === 'full') mount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
      const worker = await startWorker(suite, world);
      const inject = () => {
        if (how === 'read-only') {
          mount(['--bind', dir, dir]);
          mount(['-o', 'remount,bind,ro', dir]);
        } else {
          try {
            writeFileSync(filler, Buffer.alloc(1024 * 1024));
          } catch {
            /* ENOSPC: the disk is full, as intended */
          }
        }
      };
      const heal = () => {
        if (how === 'read-only') umount(dir);
        else execFileSync('rm', ['-f', filler]);
      };
      let healed = false;
      try {
        if (at === 'start') inject();
        const op = await startOp(world, stack, 'deploy');
        if (at === 'awaiting') {
          await awaitingApproval(world, op);
          inject();
          // The approval's own audit write fails while the disk is bad; the person tries again after.
          void approve(world, op, 180_000).catch(() => undefined);
        }
        await sleep(Math.min(opts.outageMs, 20_000));
        heal();
        healed = true;
        const healedAt = Date.now();
        // The person tries again; the attempt made while the disk was bad may have gone through after all.
        await approveOnce(world, op, 180_000);
        return await finish(world, op, stackName, 'deploy', healedAt);
      } finally {
        if (!healed) heal();
        await worker.kill9();
        await world.close();
        if (how === 'full') umount(dir);
      }
    },
  };
}

const kill = (command: string, armedBy?: string) => ({
  on: 'self' as const,
  env: { INFRA_AGENT_FAULT_KILL_AFTER: command, ...(armedBy ? { FAULTS_KILL_AFTER_ARMED_BY: armedBy } : {}) },
});

/** Every named scenario, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  // Worker kill -9 in every phase of a stack deploy.
  workerKill({
    name: 'deploy/validating/cfn-lint/kill9',
    kind: 'deploy',
    trigger: { on: 'hang', tool: 'cfn-lint' },
    afterApproval: false,
    bounded: true,
  }),
  workerKill({
    name: 'deploy/validating/cfn-guard/kill9',
    kind: 'deploy',
    trigger: { on: 'hang', tool: 'cfn-guard' },
    afterApproval: false,
  }),
  workerKill({
    name: 'deploy/validating/two-workers',
    kind: 'deploy',
    trigger: { on: 'hang', tool: 'cfn-lint' },
    afterApproval: false,
    standby: true,
  }),
  workerKill({
    name: 'deploy/previewing/after-DescribeChangeSet',
    kind: 'deploy',
    trigger: kill('DescribeChangeSetCommand'),
    afterApproval: false,
  }),
  workerKill({
    name: 'deploy/previewing/after-DescribeStacks-not-found',
    kind: 'deploy',
    trigger: kill('DescribeStacksCommand', 'DescribeChangeSetCommand'),
    afterApproval: false,
  }),
  workerKill({
    name: 'deploy/previewing/after-CreateChangeSet',
    kind: 'deploy',
    trigger: kill('CreateChangeSetCommand'),
    afterApproval: false,
  }),
  workerKill({
    name: 'deploy/previewing/after-CreateChangeSet/two-workers',
    kind: 'deploy',
    trigger: kill('CreateChangeSetCommand'),
    afterApproval: false,
    standby: true,
  }),
  workerKill({
    name: 'deploy/awaiting-approval/kill9',
    kind: 'deploy',
    trigger: { on: 'phase', phase: 'awaiting-approval' },
    afterApproval: false,
    bounded: true,
  }),
  workerKill({
    name: 'deploy/awaiting-approval/two-workers',
    kind: 'deploy',
    trigger: { on: 'phase', phase: 'awaiting-approval' },
    afterApproval: false,
    standby: true,
  }),
  workerKill({
    name: 'deploy/executing/after-ExecuteChangeSet',
    kind: 'deploy',
    trigger: kill('ExecuteChangeSetCommand'),
    afterApproval: true,
    bounded: true,
  }),
  workerKill({
    name: 'deploy/executing+waiting/two-kills',
    kind: 'deploy',
    trigger: kill('ExecuteChangeSetCommand'),
    afterApproval: true,
    second: { INFRA_AGENT_FAULT_KILL_AFTER: 'DescribeStacksCommand' },
  }),
  workerKill({
    name: 'deploy/executing/after-ExecuteChangeSet/two-workers',
    kind: 'deploy',
    trigger: kill('ExecuteChangeSetCommand'),
    afterApproval: true,
    standby: true,
  }),
  workerKill({
    name: 'deploy/waiting-for-stack/after-DescribeStacks',
    kind: 'deploy',
    trigger: kill('DescribeStacksCommand', 'ExecuteChangeSetCommand'),
    afterApproval: true,
  }),
  workerKill({
    name: 'deploy/waiting-for-stack/after-DescribeStackEvents',
    kind: 'deploy',
    trigger: kill('DescribeStackEventsCommand', 'ExecuteChangeSetCommand'),
    afterApproval: true,
  }),
  workerKill({
    // Killed in the wait itself, whichever of the two workers runs it (the one that executed the change set may
    // not be the one that waits): the other worker takes the wait over after the heartbeat timeout.
    name: 'deploy/waiting-for-stack/two-workers',
    kind: 'deploy',
    trigger: {
      on: 'self',
      env: { INFRA_AGENT_FAULT_KILL_AFTER: 'DescribeStacksCommand', FAULTS_KILL_IN_ACTIVITY: 'waitForStackStable' },
    },
    afterApproval: true,
    standby: true,
  }),
  // Worker kill -9 in every phase of a stack delete.
  workerKill({
    name: 'delete/previewing/after-DescribeStacks',
    kind: 'delete',
    trigger: kill('DescribeStacksCommand'),
    afterApproval: false,
  }),
  workerKill({
    name: 'delete/previewing/after-DescribeStackResources',
    kind: 'delete',
    trigger: kill('DescribeStackResourcesCommand'),
    afterApproval: false,
  }),
  workerKill({
    name: 'delete/awaiting-approval/kill9',
    kind: 'delete',
    trigger: { on: 'phase', phase: 'awaiting-approval' },
    afterApproval: false,
  }),
  workerKill({
    name: 'delete/awaiting-approval/two-workers',
    kind: 'delete',
    trigger: { on: 'phase', phase: 'awaiting-approval' },
    afterApproval: false,
    standby: true,
  }),
  workerKill({
    name: 'delete/executing/after-DeleteStack',
    kind: 'delete',
    trigger: kill('DeleteStackCommand'),
    afterApproval: true,
    bounded: true,
  }),
  workerKill({
    name: 'delete/executing/after-DeleteStack/two-workers',
    kind: 'delete',
    trigger: kill('DeleteStackCommand'),
    afterApproval: true,
    standby: true,
  }),
  workerKill({
    name: 'delete/waiting-for-stack/after-DescribeStacks',
    kind: 'delete',
    trigger: kill('DescribeStacksCommand', 'DeleteStackCommand'),
    afterApproval: true,
  }),
  // The bot (front end) killed -9 at each step; its restart re-sends the same request.
  botKill('bot/deploy/while-starting', 'deploy', 'spawn'),
  botKill('bot/deploy/after-start', 'deploy', 'started', true),
  botKill('bot/deploy/during-approval-wait', 'deploy', 'awaiting'),
  botKill('bot/deploy/after-approval', 'deploy', 'approved'),
  botKill('bot/delete/while-starting', 'delete', 'spawn'),
  botKill('bot/delete/after-start', 'delete', 'started'),
  botKill('bot/delete/during-approval-wait', 'delete', 'awaiting'),
  botKill('bot/delete/after-approval', 'delete', 'approved'),
  // The Temporal server restarted (SIGTERM) or killed -9.
  temporalFault('temporal/restart/deploy-awaiting-approval', 'deploy', 'awaiting', 'restart', true),
  temporalFault('temporal/kill9/deploy-validating', 'deploy', 'validating', 'kill9'),
  temporalFault('temporal/kill9/deploy-executing', 'deploy', 'executing', 'kill9'),
  temporalFault('temporal/restart/delete-awaiting-approval', 'delete', 'awaiting', 'restart'),
  // AWS (moto) not answering for the outage.
  motoOutage('aws-outage/deploy-previewing', 'deploy', 'previewing', true),
  motoOutage('aws-outage/deploy-executing', 'deploy', 'executing'),
  motoOutage('aws-outage/delete-executing', 'delete', 'executing'),
  // Slack 429/500 bursts and an outage while the worker notifies.
  slackFault('slack/postMessage-429-burst', (s) => s.failNext('chat.postMessage', 429, 3, 1), undefined, true),
  slackFault('slack/postMessage-500-burst', (s) => s.failNext('chat.postMessage', 500, 5)),
  slackFault('slack/update-429-burst', (s) => s.failNext('chat.update', 429, 4, 1)),
  slackFault('slack/down-20s', (s) => s.setDown(true), { afterMs: 20_000, run: (s) => s.setDown(false) }),
  // The audit directory read-only or full.
  auditFault('audit/read-only/from-start', 'read-only', 'start', true),
  auditFault('audit/read-only/during-approval', 'read-only', 'awaiting'),
  auditFault('audit/full-disk/from-start', 'full', 'start'),
  auditFault('audit/full-disk/during-approval', 'full', 'awaiting'),
  // Helm and rollouts on the suite's private Kubernetes control plane (suites/faults/k8s-scenarios.ts).
  ...K8S_SCENARIOS,
];
