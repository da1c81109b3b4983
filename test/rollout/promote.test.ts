import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import type { OperationState } from '../../core/operations';
import { pushImage } from '../../sandbox/registry-seed';
import { toolPath } from '../../sandbox/paths';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { replayAndMaybeRecord } from '../support/histories';
import type { ChildWorker } from '../support/child-worker';
import type { RolloutCluster } from '../support/rollout-cluster';
import { startRolloutCluster } from '../support/rollout-cluster';
import { startChildWorker } from '../support/child-worker';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { EndedEarly, eventually, person, startWorker, testClient } from '../support/sandbox';

/**
 * Promotions (issue 19.1): `promote {service} {version} to {env}` on real Temporal, a real control plane (dev, tst
 * and prd namespaces) and the test sandbox's OCI registry. The digest that runs in the previous stage is the one
 * checked, approved and rolled out by the child rollout; every refusal names the precondition and its evidence.
 * dev's soak time is 1 s, tst's 1 h (so a promotion to prd is refused for its soak, naming when it will be allowed).
 */
describe('promote {service} {version} to {env}', () => {
  const registryHost = `127.0.0.1:${process.env.INFRA_AGENT_REGISTRY_PORT ?? '5000'}`;
  let rc: RolloutCluster;
  let config: AppConfig;
  let tc: RolloutTestConfig;
  /** The worker process the durability test kills: killed in afterAll too if the test failed first. */
  let child: ChildWorker | undefined;
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker | undefined;
  /** A second worker and gateway (own task queue) whose config freezes tst. */
  let frozenWorker: RunningWorker;
  let frozenSession: GatewaySession;

  const fast = { stepWait: '1s', bake: '1s', steps: [50, 100] };
  const names = ['promo-api', 'skip-api', 'stale-api', 'frozen-api', 'moved-promo-api', 'kill-promo-api'];
  beforeAll(async () => {
    rc = await startRolloutCluster(2);
    const rollout = rolloutTestConfig(
      rc.cluster,
      Object.fromEntries(names.map((n) => [n, testServiceYaml(fast, { image: `ghcr.io/example/${n}` })])),
      { dev: { kind: 'istio' }, tst: { kind: 'istio' }, prd: { kind: 'istio' } },
      { registry: `http://${registryHost}`, environments: { dev: { soak: '1s' }, tst: { soak: '1h' } } },
    );
    tc = rollout;
    config = tc.config;
    expect([config.environments.dev.soakSeconds, config.environments.tst.soakSeconds]).toEqual([1, 3600]);
    session = await openGateway(config);
    client = await testClient(config);
    worker = await startWorker(config);
    const frozen: AppConfig = {
      ...config,
      temporal: { ...config.temporal, taskQueue: `test-frozen-${randomUUID()}` },
      environments: {
        ...config.environments,
        tst: {
          ...config.environments.tst,
          changeFreezes: [{ from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', reason: 'release freeze' }],
        },
      },
    };
    frozenWorker = await startWorker(frozen);
    frozenSession = await openGateway(frozen);
  }, 240_000);
  afterAll(async () => {
    if (child?.process.exitCode === null && child.process.signalCode === null) await child.kill9();
    await frozenWorker?.stop();
    await frozenSession?.close();
    await worker?.stop();
    await client?.connection.close();
    await session?.close();
    await rc?.stop();
  }, 60_000);

  const gw = () => session.gateway;
  const push = (service: string, tag: string) =>
    pushImage(toolPath('crane'), registryHost, `example/${service}`, tag, `${service}:${tag}:${randomUUID()}`);
  const kubectl = (...args: string[]): Promise<string> => rc.kubectl(...args);
  const imageOf = async (name: string, ns: string) =>
    (
      await rc.kubectlJson<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(
        'get',
        'deployment',
        name,
        '-n',
        ns,
      )
    ).spec.template.spec.containers[0]?.image;
  const awaitingApproval = (op: string, s = session) =>
    eventually(
      async () => {
        const st = await s.gateway.state(op);
        if (st.outcome) throw new EndedEarly(`${op} ended ${st.outcome}: ${st.message}`);
        return st.phase === 'awaiting-approval' ? st : undefined;
      },
      120_000,
      'approval wait',
    );
  /** A direct rollout, approved by bob, that must succeed. */
  const rollout = async (service: string, version: string, env: EnvironmentName): Promise<OperationState> => {
    const op = (await gw().startRollout(service, version, env, person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId, mfaVerified: env === 'prd' });
    const done = await gw().result(op);
    expect(done.outcome).toBe('succeeded');
    return done;
  };
  const promote = async (service: string, version: string, env: EnvironmentName, s = session) => {
    const r = await s.gateway.execute({ name: 'promote', service, version, env }, person('alice'));
    if (r.kind !== 'started') throw new Error(`promote answered ${r.kind}`);
    return r.started.operationId;
  };
  const failedChecks = (s: OperationState) =>
    (s.promotion?.checks ?? []).filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);

  it('GIVEN a version live in dev past its soak WHEN promoted to tst and approved THEN the child rollout deploys the same digest and the record says so', async () => {
    const digest = await push('promo-api', '1.0.0');
    const reference = `ghcr.io/example/promo-api@${digest}`;
    await rollout('promo-api', '1.0.0', 'dev');
    await new Promise((r) => setTimeout(r, 1500)); // dev's soak time is 1 s
    const op = await promote('promo-api', '1.0.0', 'tst');
    expect(op).toBe('promote/tst/promo-api');
    const pending = await awaitingApproval(op);
    expect(pending.kind).toBe('promotion');
    expect(pending.promotion).toMatchObject({ from: 'dev', to: 'tst', digest, reference });
    expect(pending.promotion!.checks.map((c) => [c.name, c.passed])).toEqual([
      ['artifact', true],
      ['previous stage', true],
      ['soak time', true],
      ['verification', true],
      ['security gate', true],
      ['change freeze', true],
    ]);
    expect(pending.promotion!.checks[1]!.detail).toMatch(new RegExp(`^dev: (blue|green) runs ${digest}, 2/2 Ready$`));
    expect(pending.preview!.artifactId).toContain(`${reference}@tst#`);
    // The requester cannot approve their own promotion (the target's approval policy).
    await expect(gw().approve(op, person('alice'), { artifactId: pending.preview!.artifactId })).rejects.toThrow(
      'you requested this change: someone else must approve it',
    );
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw().result(op);
    expect(done.outcome).toBe('succeeded');
    expect(done.message).toContain(`promoted promo-api 1.0.0 (${digest}) dev → tst`);
    expect(done.promotion!.rollout).toMatchObject({ operationId: 'rollout/tst/promo-api', outcome: 'succeeded' });
    const child = await gw().result('rollout/tst/promo-api');
    expect(child).toMatchObject({ outcome: 'succeeded', approvals: [expect.objectContaining({ approver: 'bob' })] });
    expect(child.rollout!.digest).toBe(digest);
    expect(await imageOf(`promo-api-${child.rollout!.toColour}`, 'shop-tst')).toBe(reference);

    const listed = await gw().execute({ name: 'promotions', env: 'tst' }, person('carol'));
    if (listed.kind !== 'promotions') throw new Error(listed.kind);
    const record = listed.records.find((r) => r.operationId === op && r.requestedAt === done.startedAt);
    expect(record).toMatchObject({
      service: 'promo-api',
      version: '1.0.0',
      digest,
      from: 'dev',
      to: 'tst',
      requestedBy: 'alice',
      approvedBy: [expect.objectContaining({ approver: 'bob' })],
      outcome: 'succeeded',
      rollout: { operationId: 'rollout/tst/promo-api', outcome: 'succeeded' },
    });
    await replayAndMaybeRecord(client, op, 'promote-succeeded');
    await replayAndMaybeRecord(client, 'rollout/tst/promo-api', 'rollout-promoted');
  }, 300_000);

  it('GIVEN promo-api 1.0.0 in tst for seconds WHEN promoted to prd THEN it is refused for its soak time, naming when it will be allowed', async () => {
    const op = await promote('promo-api', '1.0.0', 'prd');
    const done = await gw().result(op);
    expect(done.outcome).toBe('failed');
    const failed = failedChecks(done);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^soak time: running in tst since \S+, only \d+s of 1h: it can be promoted from \S+Z$/);
    expect(done.message).toContain('Nothing was promoted.');
    await replayAndMaybeRecord(client, op, 'promote-soak-refused');
  }, 120_000);

  it('GIVEN a version only in dev WHEN promoted to prd THEN the skipped stage tst is named', async () => {
    const digest = await push('skip-api', '1.0.0');
    await rollout('skip-api', '1.0.0', 'dev');
    const done = await gw().result(await promote('skip-api', '1.0.0', 'prd'));
    expect(done.outcome).toBe('failed');
    expect(done.message).toContain(`skipped stage: ${digest} never ran in tst; promote skip-api 1.0.0 to tst first`);
    expect(await kubectl('get', 'deployments', '-n', 'shop-prd', '-o', 'name')).not.toContain('skip-api');
    await replayAndMaybeRecord(client, `promote/prd/skip-api`, 'promote-skipped-stage');
  }, 180_000);

  it('GIVEN dev moved on to 1.0.1 WHEN 1.0.0 is promoted to tst THEN it is refused: that digest no longer runs in dev', async () => {
    const old = await push('stale-api', '1.0.0');
    const current = await push('stale-api', '1.0.1');
    await rollout('stale-api', '1.0.0', 'dev');
    await rollout('stale-api', '1.0.1', 'dev');
    const done = await gw().result(await promote('stale-api', '1.0.0', 'tst'));
    expect(done.outcome).toBe('failed');
    expect(failedChecks(done)).toEqual([
      `previous stage: ${old} is not running in dev (its live colour runs ghcr.io/example/stale-api@${current})`,
      `soak time: no completed rollout of ${old} in dev to count its soak time from`,
    ]);
  }, 240_000);

  it('GIVEN an approved promotion WHEN the tag was moved before its rollout resolved it THEN the child fails closed and nothing reaches tst', async () => {
    const first = await push('moved-promo-api', '1.0.0');
    await rollout('moved-promo-api', '1.0.0', 'dev');
    await new Promise((r) => setTimeout(r, 1500));
    const op = await promote('moved-promo-api', '1.0.0', 'tst');
    const pending = await awaitingApproval(op);
    expect(pending.promotion!.digest).toBe(first);
    const second = await push('moved-promo-api', '1.0.0');
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw().result(op);
    expect(done.outcome).toBe('failed');
    expect(done.promotion!.rollout).toMatchObject({ operationId: 'rollout/tst/moved-promo-api', outcome: 'failed' });
    expect(done.message).toContain(
      `tag '1.0.0' no longer names the promoted digest ${first} (now names ${second}); failing closed`,
    );
    expect(await kubectl('get', 'deployments', '-n', 'shop-tst', '-o', 'name')).not.toContain('moved-promo-api');
  }, 180_000);

  it('GIVEN the tag latest WHEN promoted to prd THEN it is refused as a mutable tag before anything is read', async () => {
    await push('promo-api', 'latest');
    const done = await gw().result(await promote('promo-api', 'latest', 'prd'));
    expect(done.outcome).toBe('failed');
    expect(done.message).toContain("refused: version: 'latest' is a mutable tag");
    expect(done.promotion!.checks).toEqual([]);
  }, 60_000);

  it('GIVEN a change freeze in tst (the worker config) WHEN a ready version is promoted THEN it ends frozen with the other checks shown', async () => {
    await push('frozen-api', '1.0.0');
    await rollout('frozen-api', '1.0.0', 'dev');
    await new Promise((r) => setTimeout(r, 1500));
    const op = await promote('frozen-api', '1.0.0', 'tst', frozenSession);
    const done = await frozenSession.gateway.result(op);
    expect(done.outcome).toBe('frozen');
    expect(failedChecks(done)).toEqual([
      'change freeze: change freeze in tst until 2099-01-01T00:00:00Z: release freeze',
    ]);
    expect(await kubectl('get', 'deployments', '-n', 'shop-tst', '-o', 'name')).not.toContain('frozen-api');
  }, 180_000);

  it('GIVEN bad input THEN each is refused naming the field: unknown service, unknown version, the first stage, an unknown environment', async () => {
    await expect(promote('nope-api', '1.0.0', 'tst')).rejects.toThrow(/service: 'nope-api' is not in the catalog/);
    await expect(promote('promo-api', '1.0.0', 'dev')).rejects.toThrow(
      /env: dev is the first stage, nothing is promoted into it; roll a version out there with `rollout promo-api 1.0.0 to dev`/,
    );
    const unknown = await gw().result(await promote('promo-api', '9.9.9', 'tst'));
    expect(unknown.outcome).toBe('failed');
    expect(unknown.message).toContain("version: tag '9.9.9' does not exist in example/promo-api");
    const parsed = gw().parse('promote promo-api 1.0.0 to qa');
    expect(parsed.ok).toBe(false);
  }, 60_000);
  it('GIVEN a worker killed -9 while the child rollout shifts traffic WHEN a new worker starts THEN the promotion resumes and ends with one record', async () => {
    const digest = await push('kill-promo-api', '1.0.0');
    await rollout('kill-promo-api', '1.0.0', 'dev');
    await new Promise((r) => setTimeout(r, 1500));
    // The in-process worker would take the tasks: stop it, and run a real worker process to kill.
    await worker!.stop();
    worker = undefined;
    child = await startChildWorker(config.temporal.taskQueue, tc.env);
    const op = await promote('kill-promo-api', '1.0.0', 'tst');
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    await eventually(
      async () => {
        const s = await gw()
          .state('rollout/tst/kill-promo-api')
          .catch(() => undefined);
        return s?.phase === 'shifting-traffic' || s?.phase === 'analysing' ? s : undefined;
      },
      120_000,
      'child rollout shifting traffic',
    );
    await child.kill9();
    child = await startChildWorker(config.temporal.taskQueue, tc.env);
    const done = await gw().result(op);
    expect(done.outcome).toBe('succeeded');
    expect(done.promotion).toMatchObject({ digest, rollout: { outcome: 'succeeded' } });
    const audit = (await gw().audit(5000)).filter((r) => r.at >= done.startedAt);
    expect(audit.filter((r) => r.operationId === op && r.action === 'promoted')).toHaveLength(1);
    expect(audit.filter((r) => r.operationId === 'rollout/tst/kill-promo-api' && r.action === 'deployed')).toHaveLength(
      1,
    );
    await child.kill9();
  }, 300_000);
});
