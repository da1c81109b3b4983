import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Client } from '@temporalio/client';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { executeLine } from '../../cli/execute';
import type { OperationState } from '../../core/operations';
import { up } from '../../sandbox/manager';
import { readPidRecord, stopRecorded } from '../../sandbox/process-control';
import { temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';
import type { ChildWorker } from '../support/child-worker';
import { startChildWorker } from '../support/child-worker';
import { replayAndMaybeRecord } from '../support/histories';
import { CRASH_TAG_MARKER } from '../support/rollout-cluster';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { EndedEarly, eventually, person, startWorker, testClient } from '../support/sandbox';

const exec = promisify(execFile);

/**
 * Blue/green rollouts end to end: gateway → Temporal → worker → a real control plane (kwok nodes make pods
 * Ready). Each test rolls out its own service in namespace shop-dev.
 */
describe('blue/green rollouts against a real cluster', () => {
  let cluster: PrivateCluster;
  let tc: RolloutTestConfig;
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker | undefined;
  /** A worker process a test meant to kill: killed in afterAll too if the test failed before it did. */
  let child: ChildWorker | undefined;

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    tc = rolloutTestConfig(cluster, {
      'shop-api': testServiceYaml({}, { image: 'ghcr.io/example/shop-api' }),
      'cart-api': testServiceYaml({}, { image: 'ghcr.io/example/cart-api' }),
      'steer-api': testServiceYaml({ stepWait: '4s' }, { image: 'ghcr.io/example/steer-api' }),
      'bad-api': testServiceYaml({}, { image: 'ghcr.io/example/bad-api' }),
      'kill-api': testServiceYaml({ stepWait: '5s' }, { image: 'ghcr.io/example/kill-api' }),
      'bake-api': testServiceYaml({ bake: '12s' }, { image: 'ghcr.io/example/bake-api' }),
      'term-api': testServiceYaml({ stepWait: '1s', bake: '1s' }, { image: 'ghcr.io/example/term-api' }),
      // The Kubernetes API goes away during a traffic step (issue 13.9).
      'outage-api': testServiceYaml({ stepWait: '4s' }, { image: 'ghcr.io/example/outage-api' }),
      'halt-api': testServiceYaml({ stepWait: '6s' }, { image: 'ghcr.io/example/halt-api' }),
      // README's walkthrough, as written (issue 14.6).
      'payments-api': testServiceYaml({ stepWait: '1s', bake: '1s' }, { image: 'ghcr.io/example/payments-api' }),
      // Judged by a CloudWatch error count too, which the test raises for the new colour.
      'fail-api': testServiceYaml(
        {
          stepWait: '6s',
          analysis: [
            { provider: 'pods', maxRestarts: 0 },
            {
              provider: 'cloudwatch',
              namespace: 'Test/Rollouts',
              metricName: 'errors',
              dimensions: { Service: '{service}', Colour: '{colour}' },
              statistic: 'Sum',
              max: 0,
            },
          ],
        },
        { image: 'ghcr.io/example/fail-api' },
      ),
    });
    session = await openGateway(tc.config);
    client = await testClient(tc.config);
  }, 240_000);
  /** The private cluster's kube-apiserver while a test holds it stopped (SIGSTOP), so afterAll can wake it. */
  let stoppedApiserver: number | undefined;
  afterAll(async () => {
    if (stoppedApiserver) process.kill(stoppedApiserver, 'SIGCONT');
    if (child?.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    await worker?.stop();
    await client?.connection.close();
    await session?.close();
    await cluster?.stop();
  }, 60_000);

  const gw = () => session.gateway;
  const kubectl = async (...args: string[]): Promise<string> =>
    (
      await exec(cluster.kube.bin.kubectl, [
        '--kubeconfig',
        cluster.kube.kubeconfig,
        '--context',
        cluster.kube.contextName,
        ...args,
      ])
    ).stdout;
  const weights = async (service: string): Promise<Record<string, number>> => {
    const vs = JSON.parse(await kubectl('get', 'virtualservice', service, '-n', 'shop-dev', '-o', 'json')) as {
      spec: { http: { route: { destination: { host: string }; weight?: number }[] }[] };
    };
    const out: Record<string, number> = {};
    for (const r of vs.spec.http[0]?.route ?? []) out[r.destination.host.replace(`${service}-`, '')] = r.weight ?? 0;
    return out;
  };
  const deployment = async (name: string): Promise<{ image: string; replicas: number }> => {
    const d = JSON.parse(await kubectl('get', 'deployment', name, '-n', 'shop-dev', '-o', 'json')) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    return { image: d.spec.template.spec.containers[0]?.image ?? '', replicas: d.spec.replicas };
  };
  const when = (op: string, ok: (s: OperationState) => boolean, what: string, ms = 120_000) =>
    eventually(
      async () => {
        const s = await gw().state(op);
        if (s.outcome && !ok(s))
          throw new EndedEarly(`${op} ended ${s.outcome} while waiting for ${what}: ${s.message}`);
        return ok(s) ? s : undefined;
      },
      ms,
      what,
    );
  const awaitingApproval = (op: string) => when(op, (s) => s.phase === 'awaiting-approval', 'approval wait');
  const approveAndWait = async (op: string): Promise<OperationState> => {
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    return gw().result(op);
  };
  const ensureWorker = async (): Promise<void> => {
    worker ??= await startWorker(tc.config);
  };
  const stages = (s: OperationState) => s.rollout!.analyses.map((a) => `${a.stage}@${a.percent}:${a.passed}`);

  it('GIVEN a service WHEN two versions are rolled out THEN each goes to the idle colour through every step, analysed, and the old colour is kept at 0', async () => {
    await ensureWorker();
    const op = (await gw().startRollout('shop-api', '1.0.0', 'dev', person('alice'))).operationId;
    expect(op).toBe('rollout/dev/shop-api');
    const pending = await awaitingApproval(op);
    expect(pending.rollout).toMatchObject({
      fromColour: 'blue',
      toColour: 'green',
      image: 'ghcr.io/example/shop-api:1.0.0',
      securityGate: { passed: true, provider: 'pass-through' },
    });
    expect(pending.rollout!.weights).toEqual({ blue: 100, green: 0 });
    expect(await deployment('shop-api-green')).toEqual({ image: 'ghcr.io/example/shop-api:1.0.0', replicas: 2 });
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const first = await gw().result(op);
    expect(first).toMatchObject({ outcome: 'succeeded' });
    expect(stages(first)).toEqual(['ready@0:true', 'step@10:true', 'step@50:true', 'step@100:true', 'bake@100:true']);
    expect(await weights('shop-api')).toEqual({ blue: 0, green: 100 });

    const op2 = (await gw().startRollout('shop-api', '1.1.0', 'dev', person('alice'))).operationId;
    const second = await approveAndWait(op2);
    expect(second).toMatchObject({
      outcome: 'succeeded',
      rollout: { fromColour: 'green', toColour: 'blue', previousImage: 'ghcr.io/example/shop-api:1.0.0' },
    });
    expect(second.message).toContain('green (ghcr.io/example/shop-api:1.0.0) scaled to 0 and kept for rollback');
    expect(await weights('shop-api')).toEqual({ blue: 100, green: 0 });
    expect(await deployment('shop-api-blue')).toEqual({ image: 'ghcr.io/example/shop-api:1.1.0', replicas: 2 });
    expect(await deployment('shop-api-green')).toEqual({ image: 'ghcr.io/example/shop-api:1.0.0', replicas: 0 });

    const shifted = (await gw().audit(2000)).filter(
      (r) => r.operationId === op2 && r.action === 'traffic-shifted' && r.at >= second.startedAt,
    );
    expect(shifted.map((r) => (r.details as { weights: { blue: number } }).weights.blue)).toEqual([10, 50, 100]);
    await replayAndMaybeRecord(client, op2, 'rollout-succeeded');
  }, 240_000);

  it('GIVEN the terminal WHEN a rollout is typed, approved by someone else and checked THEN each step shows what a person needs', async () => {
    await ensureWorker();
    const say = async (who: string, line: string) => {
      const lines: string[] = [];
      const code = await executeLine(
        session,
        person(who),
        line,
        { out: (s) => lines.push(s), err: (s) => lines.push(s) },
        { pollMs: 200 },
      );
      return { code, text: lines.join('\n') };
    };
    const started = await say('alice', 'rollout term-api 2.0.0 to dev');
    expect(started.code).toBe(0);
    expect(started.text).toContain('started rollout/dev/term-api (rollout of term-api 2.0.0)');
    expect(started.text).toContain('Traffic: Istio VirtualService weights · steps 10% → 50% → 100%');
    expect(started.text).toContain('Security gate: pass-through: ghcr.io/example/term-api:2.0.0 was NOT scanned');
    const approved = await say('bob', 'approve rollout/dev/term-api');
    expect(approved.code).toBe(0);
    expect(approved.text).toContain('approved by bob');
    expect(approved.text).toContain('… analysing the new colour under traffic — blue 50% / green 50%');
    expect(approved.text).toContain(
      'DONE: ghcr.io/example/term-api:2.0.0 is live on green with 100% of traffic (first rollout: nothing to scale down)',
    );
    const status = await say('alice', 'status rollout/dev/term-api');
    expect(status.text).toContain('Now: blue 0% / green 100% (step 3 of 3)');
    expect(status.text).toMatch(/✓ at 50%: pods: 2\/2 pods ready, 0 restarts/);
  }, 180_000);

  it('GIVEN the last rollout WHEN `rollback` is approved THEN the kept colour is scaled up and takes all traffic', async () => {
    await ensureWorker();
    const op = (await gw().startRollback('shop-api', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    expect(pending).toMatchObject({
      kind: 'rollback',
      rollout: { fromColour: 'blue', toColour: 'green', image: 'ghcr.io/example/shop-api:1.0.0' },
    });
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(await weights('shop-api')).toEqual({ blue: 0, green: 100 });
    expect(await deployment('shop-api-green')).toEqual({ image: 'ghcr.io/example/shop-api:1.0.0', replicas: 2 });
    expect(await deployment('shop-api-blue')).toMatchObject({ replicas: 0 });
    await replayAndMaybeRecord(client, op, 'rollback-succeeded');
  }, 180_000);

  it('GIVEN a rollout waiting for approval WHEN someone else starts a rollout or rollback of the same service THEN it is refused; the same request is a duplicate; a rejection scales the new colour down', async () => {
    await ensureWorker();
    const alice = person('alice');
    const op = (await gw().startRollout('cart-api', '2.0.0', 'dev', alice)).operationId;
    await awaitingApproval(op);
    expect(await gw().startRollout('cart-api', '2.0.0', 'dev', alice)).toMatchObject({ duplicate: true });
    await expect(gw().startRollout('cart-api', '2.0.1', 'dev', person('carol'))).rejects.toThrow(
      /cart-api in dev is busy: alice started a rollout at .*One change at a time per service and environment/,
    );
    await expect(gw().startRollback('cart-api', 'dev', person('carol'))).rejects.toThrow(/is busy/);
    await expect(gw().approve(op, alice)).rejects.toThrow(/someone else must approve/);
    await gw().reject(op, person('bob'), 'not this week');
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'rejected' });
    expect(await deployment('cart-api-green')).toMatchObject({ replicas: 0 });
    await replayAndMaybeRecord(client, op, 'rollout-rejected');
  }, 180_000);

  it('GIVEN a rollout shifting traffic WHEN paused, resumed, then aborted THEN it holds its split while paused and abort sends all traffic back', async () => {
    await ensureWorker();
    const op = (await gw().startRollout('steer-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await expect(gw().controlRollout(op, 'abort', person('alice'))).rejects.toThrow(/not approved yet: use cancel/);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.rollout!.stepIndex === 0, 'first step');
    await gw().controlRollout(op, 'pause', person('alice'));
    await expect(gw().controlRollout(op, 'pause', person('bob'))).rejects.toThrow(/already paused by alice/);
    await expect(gw().controlRollout(op, 'resume', person('dave'))).rejects.toThrow(/dave may not resume/);
    const paused = await when(op, (s) => s.phase === 'paused', 'paused');
    expect(paused.rollout).toMatchObject({ stepIndex: 0, paused: true, pausedBy: 'alice' });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await gw().state(op)).rollout).toMatchObject({ stepIndex: 0, weights: { blue: 90, green: 10 } });
    expect(await weights('steer-api')).toEqual({ blue: 90, green: 10 });

    await gw().controlRollout(op, 'resume', person('bob'));
    await when(op, (s) => s.rollout!.stepIndex === 1, 'second step');
    await gw().controlRollout(op, 'abort', person('bob'));
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'aborted', rollout: { weights: { blue: 100, green: 0 } } });
    expect(done.message).toMatch(
      /^aborted by bob: stopped by command\. All traffic is back on blue; green scaled to 0\.$/,
    );
    expect(await weights('steer-api')).toEqual({ blue: 100, green: 0 });
    expect(await deployment('steer-api-green')).toMatchObject({ replicas: 0 });
    const actions = (await gw().audit(2000))
      .filter((r) => r.operationId === op && r.at >= done.startedAt)
      .map((r) => r.action)
      .filter((a) => ['paused', 'resumed', 'aborted', 'rolled-back'].includes(a));
    expect(actions).toEqual(['paused', 'resumed', 'aborted', 'rolled-back']);
    await replayAndMaybeRecord(client, op, 'rollout-aborted');
  }, 180_000);

  it('GIVEN a version whose pods crash WHEN rolled out THEN it fails before any traffic moves, with the reason, and the new colour is scaled down', async () => {
    await ensureWorker();
    const op = (await gw().startRollout('bad-api', `1.0.0-${CRASH_TAG_MARKER}`, 'dev', person('alice'))).operationId;
    const done = await gw().result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toMatch(
      /^green \(ghcr\.io\/example\/bad-api:1\.0\.0-crash\) did not become ready: .*CrashLoopBackOff/,
    );
    expect(done.message).toContain('No traffic moved; green scaled to 0.');
    expect(done.approvals).toEqual([]);
    expect(done.rollout!.weights).toEqual({ blue: 100, green: 0 });
    expect(await deployment('bad-api-green')).toMatchObject({ replicas: 0 });
    await replayAndMaybeRecord(client, op, 'rollout-not-ready');
  }, 180_000);

  it('GIVEN a worker killed -9 during a traffic step THEN a new worker resumes at that step without redoing finished ones', async () => {
    // The in-process worker would steal the tasks: stop it, and run a real worker process to kill.
    await worker?.stop();
    worker = undefined;
    const w1 = await startChildWorker(tc.config.temporal.taskQueue, tc.env);
    child = w1;
    const op = (await gw().startRollout('kill-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.rollout!.stepIndex === 1 && s.phase === 'analysing', 'second step');
    await w1.kill9();
    expect(await weights('kill-api')).toEqual({ blue: 50, green: 50 });

    await ensureWorker();
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(await weights('kill-api')).toEqual({ blue: 0, green: 100 });
    // Each traffic step ran exactly once across both workers.
    const history = await client.workflow.getHandle(op).fetchHistory();
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((n) => n === 'setTraffic');
    expect(scheduled).toHaveLength(3);
    await replayAndMaybeRecord(client, op, 'rollout-worker-killed');
  }, 240_000);

  it('GIVEN a failing new colour WHEN its worker is killed -9 mid-step THEN a new worker finishes the automatic rollback and the old colour keeps all traffic', async () => {
    await ensureWorker();
    const first = (await gw().startRollout('fail-api', '1.0.0', 'dev', person('alice'))).operationId;
    expect(await approveAndWait(first)).toMatchObject({ outcome: 'succeeded', rollout: { toColour: 'green' } });

    await worker?.stop();
    worker = undefined;
    const w1 = await startChildWorker(tc.config.temporal.taskQueue, tc.env);
    child = w1;
    const op = (await gw().startRollout('fail-api', '2.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.rollout!.stepIndex === 0 && s.phase === 'analysing', 'first step');
    // The new colour (blue) starts failing while 10% of traffic is on it; the worker dies before judging it.
    const cw = createAwsClientFactory(tc.config.aws).cloudWatch({ region: tc.config.environments.dev.region });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/Rollouts',
        MetricData: [
          {
            MetricName: 'errors',
            Dimensions: [
              { Name: 'Service', Value: 'fail-api' },
              { Name: 'Colour', Value: 'blue' },
            ],
            Value: 3,
            Timestamp: new Date(),
          },
        ],
      }),
    );
    cw.destroy();
    await w1.kill9();
    expect(await weights('fail-api')).toEqual({ blue: 10, green: 90 });

    await ensureWorker();
    const done = await gw().result(op);
    expect(done.outcome).toBe('rolled-back');
    expect(done.message).toMatch(/analysis failed at 10%: cloudwatch: errors Sum 3 > max 0/);
    expect(await weights('fail-api')).toEqual({ blue: 0, green: 100 });
    expect(await deployment('fail-api-blue')).toMatchObject({ replicas: 0 });
    expect(await deployment('fail-api-green')).toEqual({ image: 'ghcr.io/example/fail-api:1.0.0', replicas: 2 });
  }, 300_000);

  it('GIVEN a rollout baking WHEN the Temporal server restarts THEN it completes', async () => {
    await ensureWorker();
    const settings = JSON.parse(
      readFileSync(join(process.env.INFRA_AGENT_TEST_DIR!, 'sandbox.json'), 'utf8'),
    ) as SandboxSettings;
    const op = (await gw().startRollout('bake-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.phase === 'baking', 'bake');
    expect(await stopRecorded(settings.stateDir, 'temporal')).toBe('stopped');
    await up(settings, [temporalService(settings)], () => undefined);
    const done = await eventually(async () => gw().result(op), 120_000, 'result after restart');
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(stages(done)).toContain('bake@100:true');
    expect(await weights('bake-api')).toEqual({ blue: 0, green: 100 });
  }, 240_000);

  /** Freezes the apiserver: connections are accepted and never answered, as in an outage of the API. */
  const stopApiserver = async (): Promise<void> => {
    const record = await readPidRecord(cluster.sandbox.stateDir, 'kube-apiserver');
    if (!record) throw new Error(`no kube-apiserver pid record in ${cluster.sandbox.stateDir}`);
    process.kill(record.pid, 'SIGSTOP');
    stoppedApiserver = record.pid;
  };
  const continueApiserver = (): void => {
    if (stoppedApiserver) process.kill(stoppedApiserver, 'SIGCONT');
    stoppedApiserver = undefined;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const analyseCalls = async (op: string): Promise<number> =>
    ((await client.workflow.getHandle(op).fetchHistory()).events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'analyseColour',
    ).length;

  it("GIVEN README's walkthrough WHEN typed as written THEN the rollback after the first rollout says a second rollout is needed, before any approval, and the one after the second works", async () => {
    await ensureWorker();
    const say = async (who: string, line: string) => {
      const lines: string[] = [];
      const code = await executeLine(
        session,
        person(who),
        line,
        { out: (s) => lines.push(s), err: (s) => lines.push(s) },
        { pollMs: 200 },
      );
      return { code, text: lines.join('\n') };
    };
    expect((await say('alice', 'rollout payments-api 1.4.2 to dev')).code).toBe(0);
    expect((await say('bob', 'approve rollout/dev/payments-api')).text).toContain(
      'DONE: ghcr.io/example/payments-api:1.4.2 is live on green with 100% of traffic',
    );
    const tooEarly = await say('alice', 'rollback payments-api dev');
    expect(tooEarly.code).toBe(1);
    expect(tooEarly.text).toContain(
      'payments-api in dev has had one rollout (green, 1.4.2); there is no earlier colour to roll back to. ' +
        'A rollback needs a second rollout first.',
    );
    const refused = await gw().state('rollout/dev/payments-api');
    expect(refused).toMatchObject({ kind: 'rollback', outcome: 'failed', approvals: [] });
    expect(refused.preview).toBeUndefined();

    expect((await say('alice', 'rollout payments-api 1.4.3 to dev')).code).toBe(0);
    expect((await say('bob', 'approve rollout/dev/payments-api')).text).toContain(
      'DONE: ghcr.io/example/payments-api:1.4.3 is live on blue with 100% of traffic; green (ghcr.io/example/payments-api:1.4.2) scaled to 0 and kept for rollback',
    );
    expect((await say('alice', 'rollback payments-api dev')).code).toBe(0);
    const back = await say('bob', 'approve rollout/dev/payments-api');
    expect(back.code).toBe(0);
    expect(back.text).toContain('rolled back: ghcr.io/example/payments-api:1.4.2 on green has 100% of traffic');
    expect(await weights('payments-api')).toEqual({ blue: 0, green: 100 });
  }, 240_000);

  it('GIVEN two rollouts approved within a minute THEN their approval artifacts differ: each names its full run id', async () => {
    await ensureWorker();
    const a = await approveAndWait((await gw().startRollout('cart-api', '3.0.0', 'dev', person('alice'))).operationId);
    const b = await approveAndWait((await gw().startRollout('cart-api', '3.0.1', 'dev', person('alice'))).operationId);
    const runOf = (s: OperationState) => s.preview!.artifactId.split('#')[1]!;
    expect(runOf(a)).toMatch(/^[0-9a-f-]{36}$/);
    expect(runOf(b)).toMatch(/^[0-9a-f-]{36}$/);
    expect(runOf(a)).not.toBe(runOf(b));
    expect(a.approvals[0]!.artifactId).toBe(a.preview!.artifactId);
  }, 180_000);
  it('GIVEN the Kubernetes API stopped for ~35 s during a traffic step THEN the read errors are no verdict: the rollout measures again and finishes with all traffic on one colour', async () => {
    await ensureWorker();
    const op = (await gw().startRollout('outage-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.rollout!.stepIndex === 0 && s.phase === 'analysing', 'first step');
    await stopApiserver();
    try {
      // The step's 4 s window ends while the API is down: its pods cannot be read.
      await sleep(35_000);
    } finally {
      continueApiserver();
    }
    const done = await gw().result(op);
    expect(['succeeded', 'rolled-back']).toContain(done.outcome);
    const w = await weights('outage-api');
    expect([w.blue, w.green].sort()).toEqual([0, 100]);
    // Measured again after the read errors (ready + 3 steps + bake would be 5 calls without them)…
    expect(await analyseCalls(op)).toBeGreaterThan(5);
    // … and no verdict came from a read error: every failed analysis measured something.
    for (const a of done.rollout!.analyses) {
      if (!a.passed) expect(a.inconclusive).toBe(true);
      for (const m of a.measurements) if (!m.passed && !a.inconclusive) expect(m.detail).not.toMatch(/could not/);
    }
    if (done.outcome === 'rolled-back') expect(done.message).not.toMatch(/could not (measure|read)/);
    await replayAndMaybeRecord(client, op, 'rollout-api-outage');
  }, 300_000);

  it('GIVEN the Kubernetes API stopped WHEN the rollout is aborted THEN the restore keeps retrying (raising attention after a minute) and traffic ends back on the old colour', async () => {
    await ensureWorker();
    const op = (await gw().startRollout('halt-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await when(op, (s) => s.rollout!.stepIndex === 0 && s.phase === 'analysing', 'first step');
    expect(await weights('halt-api')).toEqual({ blue: 90, green: 10 });
    await stopApiserver();
    let stalled: OperationState;
    try {
      await gw().controlRollout(op, 'abort', person('bob'));
      // Before: 5 attempts in ~15 s, then `failed` with the VirtualService left at 90/10 for good.
      stalled = await when(op, (s) => !!s.rollout!.attention, 'attention', 120_000);
      await sleep(10_000);
    } finally {
      continueApiserver();
    }
    expect(stalled.outcome).toBeUndefined();
    expect(stalled.phase).toBe('rolling-back');
    expect(stalled.rollout!.attention).toMatch(
      /^putting all traffic back on blue has been failing for over a minute .*keeps retrying.*Traffic now: blue 90% \/ green 10%\.$/,
    );
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'aborted', rollout: { weights: { blue: 100, green: 0 } } });
    expect(done.rollout!.attention).toBeUndefined();
    expect(done.message).toMatch(
      /^aborted by bob: stopped by command\. All traffic is back on blue; green scaled to 0\.$/,
    );
    expect(await weights('halt-api')).toEqual({ blue: 100, green: 0 });
    const overdue = (await gw().audit(2000)).filter(
      (r) => r.operationId === op && r.action === 'overdue' && r.at >= done.startedAt,
    );
    expect(overdue.map((r) => (r.details as { reason: string }).reason)).toEqual([
      'putting all traffic back on blue failing for over a minute, still retrying',
    ]);
    await replayAndMaybeRecord(client, op, 'rollout-aborted-api-outage');
  }, 300_000);
});
