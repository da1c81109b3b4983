import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { InvalidInput, TransientFailure } from '../../core/errors';
import type { OperationState } from '../../core/operations';
import type { AnalyseResult, Colour, ColourStatus, RolloutActivities, TrafficWeights } from '../../core/rollout/types';
import { checkWeights } from '../../core/rollout/types';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities } from '../../worker/compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { replayAndMaybeRecord } from '../support/histories';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { EndedEarly, eventually, person, startWorker, testClient } from '../support/sandbox';

/**
 * The rollout workflow's decision paths when the cluster does not answer (issue 13.9), on the real Temporal server
 * with the rollout activities stubbed (STYLE.md: workflow branches with stubbed activities). The stub behaves as the
 * real adapters do in an outage: calls throw TransientFailure and the analysis comes back inconclusive. The
 * end-to-end versions against a real control plane whose apiserver is stopped are in rollout-workflow.test.ts.
 */
class StubCluster {
  weights: TrafficWeights = { blue: 100, green: 0 };
  routed = false;
  readonly colours: Record<Colour, ColourStatus> = {
    blue: { colour: 'blue', exists: false, replicas: 0, readyReplicas: 0 },
    green: { colour: 'green', exists: false, replicas: 0, readyReplicas: 0 },
  };
  /** While true every call fails as an unreachable API does. */
  down = false;
  /** Set: setTraffic fails for good (a non-retryable error), as for a router infra-agent does not own. */
  refuseTraffic = false;
  setTrafficAttempts = 0;
  analyses = 0;

  /** Answers as the API would: at once when up, a refused connection when down. */
  private up(what: string): Promise<void> {
    return this.down
      ? Promise.reject(new TransientFailure(`${what}: the API server could not be reached: connect ECONNREFUSED`))
      : Promise.resolve();
  }

  activities(): RolloutActivities {
    return {
      rolloutSecurityGate: () => Promise.resolve({ passed: true, provider: 'pass-through', summary: 'pass-through' }),
      readColours: async () => {
        await this.up('read colours');
        return { blue: this.colours.blue, green: this.colours.green };
      },
      deployColour: async (i) => {
        await this.up('deploy');
        this.colours[i.colour] = {
          colour: i.colour,
          exists: true,
          image: i.image,
          replicas: i.replicas,
          readyReplicas: i.replicas,
        };
        return { changed: true };
      },
      waitColourReady: async (i) => {
        await this.up('wait ready');
        const c = this.colours[i.colour];
        return { ready: true, replicas: c.replicas, readyReplicas: c.replicas, message: 'ready' };
      },
      scaleColour: async (i) => {
        await this.up('scale');
        const c = this.colours[i.colour];
        this.colours[i.colour] = { ...c, replicas: i.replicas, readyReplicas: i.replicas };
        return { changed: c.replicas !== i.replicas };
      },
      readTraffic: async () => {
        await this.up('read traffic');
        return { exists: this.routed, weights: this.weights };
      },
      setTraffic: async (i) => {
        this.setTrafficAttempts++;
        checkWeights(i.weights);
        if (this.refuseTraffic) throw new InvalidInput('VirtualService was not made by infra-agent');
        await this.up('set traffic');
        const previous = this.weights;
        this.weights = i.weights;
        this.routed = true;
        return { changed: true, previous };
      },
      analyseColour: (): Promise<AnalyseResult> => {
        this.analyses++;
        return Promise.resolve(
          this.down
            ? {
                passed: false,
                inconclusive: true,
                measurements: [
                  { provider: 'pods', passed: false, inconclusive: true, detail: 'could not measure: ECONNREFUSED' },
                ],
              }
            : { passed: true, measurements: [{ provider: 'pods', passed: true, detail: '2/2 pods ready' }] },
        );
      },
    };
  }
}

describe('rollout decision paths when the cluster does not answer (stubbed rollout activities)', () => {
  let tc: RolloutTestConfig;
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;
  const stubs: Record<string, StubCluster> = {};

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-branches-'));
    writeFileSync(
      join(dir, 'kubeconfig'),
      'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: [{ name: stub, context: {} }]\n',
    );
    // Only the names of a cluster are needed: no activity here reaches one.
    const cluster = { dir, kube: { contextName: 'stub', kubeconfig: join(dir, 'kubeconfig') } } as PrivateCluster;
    tc = rolloutTestConfig(cluster, {
      'held-api': testServiceYaml({ stepWait: '1s', bake: '1s' }),
      'restore-api': testServiceYaml({ stepWait: '1s' }),
      'split-api': testServiceYaml({ stepWait: '1s' }),
    });
    for (const s of ['held-api', 'restore-api', 'split-api']) stubs[s] = new StubCluster();
    const real = composeActivities(tc.config);
    // One stub cluster per service, picked by the target each call names.
    const pick = (name: keyof RolloutActivities) => (i: { target: { service: string } }) =>
      (stubs[i.target.service]!.activities()[name] as (x: unknown) => Promise<unknown>)(i);
    const names: (keyof RolloutActivities)[] = [
      'rolloutSecurityGate',
      'readColours',
      'deployColour',
      'waitColourReady',
      'scaleColour',
      'readTraffic',
      'setTraffic',
      'analyseColour',
    ];
    const acts = { ...real, ...Object.fromEntries(names.map((n) => [n, pick(n)])) };
    worker = await startWorker(tc.config, acts);
    session = await openGateway(tc.config);
    client = await testClient(tc.config);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await session?.close();
  }, 60_000);

  const gw = () => session.gateway;
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
  const approved = async (service: string): Promise<string> => {
    const op = (await gw().startRollout(service, '2.0.0', 'dev', person('alice'))).operationId;
    const pending = await when(op, (s) => s.phase === 'awaiting-approval', 'approval wait');
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    return op;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('GIVEN no measurement for the whole step window THEN the rollout holds (paused by infra-agent, needs attention), keeps measuring, and resumes by itself when the API answers', async () => {
    const stub = stubs['held-api']!;
    const op = await approved('held-api');
    await when(op, (s) => s.rollout!.stepIndex === 0, 'first step');
    stub.down = true;
    // The 30 s grace (a 1 s step still gets 30 s of measuring again), then the hold.
    const held = await when(op, (s) => s.phase === 'paused', 'hold', 90_000);
    expect(held.outcome).toBeUndefined();
    expect(held.rollout).toMatchObject({ paused: true, pausedBy: 'infra-agent', weights: { blue: 90, green: 10 } });
    expect(held.rollout!.attention).toMatch(
      /^the analysis at 10% could not measure for 30s \(pods: could not measure: ECONNREFUSED\); the rollout holds at blue 90% \/ green 10%/,
    );
    expect(stub.analyses).toBeGreaterThan(3);
    stub.down = false;
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'succeeded', rollout: { weights: { blue: 0, green: 100 }, paused: false } });
    expect(done.rollout!.attention).toBeUndefined();
    // No verdict came from the read errors: every analysis recorded passed.
    expect(done.rollout!.analyses.map((a) => `${a.stage}@${a.percent}:${a.passed}`)).toEqual([
      'ready@0:true',
      'step@10:true',
      'step@50:true',
      'step@100:true',
      'bake@100:true',
    ]);
    const controls = (await gw().audit(2000))
      .filter((r) => r.operationId === op && ['paused', 'resumed'].includes(r.action))
      .map((r) => `${r.action} by ${r.actor}`);
    expect(controls).toEqual(['paused by infra-agent', 'resumed by infra-agent']);
    await replayAndMaybeRecord(client, op, 'rollout-held-no-measurement');
  }, 180_000);

  it('GIVEN the API down WHEN the rollout is aborted THEN putting traffic back retries past the old 5 attempts, raises attention after a minute, and ends with all traffic on the old colour', async () => {
    const stub = stubs['restore-api']!;
    const op = await approved('restore-api');
    await when(op, (s) => s.rollout!.stepIndex === 0, 'first step');
    stub.down = true;
    stub.setTrafficAttempts = 0;
    await gw().controlRollout(op, 'abort', person('bob'));
    const stalled = await when(op, (s) => !!s.rollout!.attention, 'attention', 120_000);
    expect(stalled).toMatchObject({ phase: 'rolling-back', rollout: { weights: { blue: 90, green: 10 } } });
    expect(stalled.outcome).toBeUndefined();
    expect(stalled.rollout!.attention).toMatch(/^putting all traffic back on blue has been failing for over a minute/);
    // The short profile gave up after 5 attempts (~15 s) and left 90/10 behind.
    expect(stub.setTrafficAttempts).toBeGreaterThan(5);
    await sleep(2_000);
    stub.down = false;
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'aborted', rollout: { weights: { blue: 100, green: 0 } } });
    expect(done.rollout!.attention).toBeUndefined();
    expect(stub.weights).toEqual({ blue: 100, green: 0 });
    await replayAndMaybeRecord(client, op, 'rollout-aborted-restore-retried');
  }, 240_000);

  it('GIVEN traffic cannot be put back for good (a non-retryable error) THEN the outcome starts with TRAFFIC SPLIT, the split and how to restore it by hand', async () => {
    const stub = stubs['split-api']!;
    const op = await approved('split-api');
    await when(op, (s) => s.rollout!.stepIndex === 0, 'first step');
    stub.refuseTraffic = true;
    await gw().controlRollout(op, 'abort', person('bob'));
    const done = await gw().result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toMatch(
      /^TRAFFIC SPLIT: blue 90% \/ green 10% \(as the router reports it now\), restore by hand with kubectl --context <the dev cluster's context> --namespace shop-dev patch virtualservice split-api --type merge -p '.*"weight":100.*"weight":0.*' — failed while rolling back: VirtualService was not made by infra-agent$/,
    );
    expect(stub.weights).toEqual({ blue: 90, green: 10 });
    await replayAndMaybeRecord(client, op, 'rollout-traffic-split');
  }, 120_000);
});
