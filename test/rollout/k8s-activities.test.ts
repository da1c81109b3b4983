import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutDeps } from '../../activities/rollout/deps';
import { measurePods } from '../../activities/rollout/analysis-pods';
import { deployColour, readColours, scaleColour, waitColourReady } from '../../activities/rollout/colours';
import { readIstioTraffic, setIstioTraffic } from '../../activities/rollout/istio';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type {
  AnalyseInput,
  Colour,
  ServiceTarget,
  WaitColourReadyInput,
  WaitColourReadyResult,
} from '../../core/rollout/types';
import { recordingRun } from '../k8s/recording-run';
import type { RolloutCluster } from '../support/rollout-cluster';
import { crashImage, startRolloutCluster } from '../support/rollout-cluster';

const IMAGE = 'ghcr.io/example/payments-api:1.2.0';
const OP = 'op-test-1';

interface Deployment {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { spec: { containers: { name: string; image: string }[] } };
  };
}
interface Service {
  metadata: { labels: Record<string, string> };
  spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[] };
}
interface VirtualService {
  metadata: { annotations: Record<string, string> };
  spec: { hosts: string[]; http: { route: { destination: { host: string }; weight: number }[] }[] };
}

describe('blue/green Kubernetes activities against a private real cluster', () => {
  let rc: RolloutCluster;
  let deps: RolloutDeps;
  let calls: ReturnType<typeof recordingRun>['calls'];
  let t: ServiceTarget;
  const analyse = (colour: Colour): AnalyseInput => ({
    target: t,
    colour,
    specs: [],
    windowStart: new Date().toISOString(),
    windowEnd: new Date().toISOString(),
  });
  const vsWeights = async (): Promise<Record<string, number>> => {
    const vs = await rc.kubectlJson<VirtualService>('get', 'virtualservice', 'payments-api', '-n', t.namespace);
    return Object.fromEntries(vs.spec.http[0]!.route.map((r) => [r.destination.host, r.weight]));
  };
  const applies = () => calls.filter((c) => c.args.includes('apply'));

  beforeAll(async () => {
    rc = await startRolloutCluster(2);
    const rec = recordingRun(rc.deps.run);
    calls = rec.calls;
    deps = { ...rc.deps, run: rec.run };
    t = rc.target('payments-api', 'payments');
  }, 180_000);
  afterAll(async () => {
    await rc?.stop();
  }, 60_000);
  beforeEach(() => calls.splice(0));

  it('GIVEN no namespace WHEN blue is deployed and waited for THEN namespace, labelled Deployment and Service exist and 2/2 pods are Ready', async () => {
    const kc = rc.cluster.kube.kubeconfig;
    const ctx = rc.cluster.kube.contextName;
    await expect(
      deployColour(deps, { target: t, colour: 'blue', image: IMAGE, port: 8080, replicas: 2, operationId: OP }),
    ).resolves.toEqual({ changed: true });
    // Every call: argv array, kubeconfig and context first; writes are server-side applies of JSON on stdin.
    for (const c of calls) expect(c.args.slice(0, 4)).toEqual(['--kubeconfig', kc, '--context', ctx]);
    expect(applies().map((c) => c.args.slice(4))).toEqual([
      ['apply', '--server-side', '--field-manager=infra-agent', '--force-conflicts', '-f', '-'],
      ['apply', '--server-side', '--field-manager=infra-agent', '--force-conflicts', '-f', '-'],
    ]);
    expect(JSON.parse(applies()[0]!.stdin!)).toMatchObject({ kind: 'Namespace', metadata: { name: 'payments-dev' } });

    const d = await rc.kubectlJson<Deployment>('get', 'deployment', 'payments-api-blue', '-n', 'payments-dev');
    const labels = { app: 'payments-api', 'infra-agent/colour': 'blue', 'app.kubernetes.io/managed-by': 'infra-agent' };
    expect(d.metadata.labels).toMatchObject(labels);
    expect(d.metadata.annotations['infra-agent/operation']).toBe(OP);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector.matchLabels).toEqual({ app: 'payments-api', 'infra-agent/colour': 'blue' });
    expect(d.spec.template.spec.containers).toMatchObject([{ name: 'payments-api', image: IMAGE }]);
    const s = await rc.kubectlJson<Service>('get', 'service', 'payments-api-blue', '-n', 'payments-dev');
    expect(s.metadata.labels).toMatchObject(labels);
    expect(s.spec.selector).toEqual({ app: 'payments-api', 'infra-agent/colour': 'blue' });
    expect(s.spec.ports).toMatchObject([{ port: 8080, targetPort: 8080 }]);
    // The stable host over both colours, which the VirtualService splits.
    const stable = await rc.kubectlJson<Service>('get', 'service', 'payments-api', '-n', 'payments-dev');
    expect(stable.spec.selector).toEqual({ app: 'payments-api' });
    expect(stable.spec.ports).toMatchObject([{ port: 8080, targetPort: 8080 }]);
    await expect(
      waitColourReady(deps, { target: t, colour: 'blue', timeoutSeconds: 30, pollMs: 300 }),
    ).resolves.toEqual({ ready: true, replicas: 2, readyReplicas: 2, message: '2/2 pods ready' });
  });

  it('GIVEN blue running WHEN the colours are read THEN blue has image and replicas, green does not exist (no error)', async () => {
    await expect(readColours(deps, { target: t })).resolves.toEqual({
      blue: { colour: 'blue', exists: true, image: IMAGE, replicas: 2, readyReplicas: 2 },
      green: { colour: 'green', exists: false, replicas: 0, readyReplicas: 0 },
    });
    // Reads go over HTTPS in process (adapters/k8s/rest.ts): no kubectl process at all.
    expect(calls).toHaveLength(0);
  });

  it('GIVEN blue already runs this image and count WHEN deployed again (a retry) THEN changed:false and nothing is written', async () => {
    await expect(
      deployColour(deps, { target: t, colour: 'blue', image: IMAGE, port: 8080, replicas: 2, operationId: 'op-retry' }),
    ).resolves.toEqual({ changed: false });
    expect(applies()).toHaveLength(0);
  });

  it('GIVEN no VirtualService WHEN traffic is set 100/0, then 90/10, then 90/10 again THEN the weights really are in the cluster and the repeat is a no-op', async () => {
    await expect(readIstioTraffic(deps, t)).resolves.toEqual({ exists: false, weights: { blue: 100, green: 0 } });
    const set = (blue: number, green: number, operationId = OP) =>
      setIstioTraffic(deps, { target: t, traffic: { kind: 'istio' }, weights: { blue, green }, operationId });

    await expect(set(100, 0)).resolves.toEqual({ changed: true, previous: { blue: 100, green: 0 } });
    expect(await vsWeights()).toEqual({ 'payments-api-blue': 100, 'payments-api-green': 0 });

    await expect(set(90, 10, 'op-shift')).resolves.toEqual({ changed: true, previous: { blue: 100, green: 0 } });
    expect(await vsWeights()).toEqual({ 'payments-api-blue': 90, 'payments-api-green': 10 });
    const vs = await rc.kubectlJson<VirtualService>('get', 'virtualservice', 'payments-api', '-n', t.namespace);
    expect(vs.spec.hosts).toEqual(['payments-api']);
    expect(vs.metadata.annotations['infra-agent/operation']).toBe('op-shift');
    await expect(readIstioTraffic(deps, t)).resolves.toEqual({ exists: true, weights: { blue: 90, green: 10 } });

    calls.splice(0);
    await expect(set(90, 10)).resolves.toEqual({ changed: false, previous: { blue: 90, green: 10 } });
    expect(applies()).toHaveLength(0);
  });

  it('GIVEN weights that do not add up to 100 (or are not whole percentages) THEN InvalidInput says so and nothing runs', async () => {
    const set = (blue: number, green: number) =>
      setIstioTraffic(deps, { target: t, traffic: { kind: 'istio' }, weights: { blue, green }, operationId: OP });
    await expect(set(50, 60)).rejects.toThrow(InvalidInput);
    await expect(set(50, 60)).rejects.toThrow(/weights: blue 50 \+ green 60 = 110; the two must add up to 100/);
    await expect(set(110, -10)).rejects.toThrow(/weights.blue: 110 is not a whole percentage from 0 to 100/);
    await expect(set(89.5, 10.5)).rejects.toThrow(/weights.blue: 89.5 is not a whole percentage/);
    expect(calls).toHaveLength(0);
    expect(await vsWeights()).toEqual({ 'payments-api-blue': 90, 'payments-api-green': 10 });
  });

  it('GIVEN blue at 2 WHEN scaled to 1, to 1 again, then back to 2 THEN only real changes write and the colour follows', async () => {
    const scale = (replicas: number, colour: Colour = 'blue') => scaleColour(deps, { target: t, colour, replicas });
    await expect(scale(1)).resolves.toEqual({ changed: true });
    expect(applies().map((c) => c.args.slice(4, 7))).toEqual([
      ['apply', '--server-side', '--field-manager=infra-agent-scale'],
    ]);
    await expect(scale(1)).resolves.toEqual({ changed: false });
    await expect(
      waitColourReady(deps, { target: t, colour: 'blue', timeoutSeconds: 30, pollMs: 300 }),
    ).resolves.toEqual({ ready: true, replicas: 1, readyReplicas: 1, message: '1/1 pods ready' });
    await expect(scale(2)).resolves.toEqual({ changed: true });
    await expect(
      waitColourReady(deps, { target: t, colour: 'blue', timeoutSeconds: 30, pollMs: 300 }),
    ).resolves.toEqual({ ready: true, replicas: 2, readyReplicas: 2, message: '2/2 pods ready' });
    // The scale kept everything else infra-agent applied.
    const d = await rc.kubectlJson<Deployment>('get', 'deployment', 'payments-api-blue', '-n', t.namespace);
    expect(d.spec.template.spec.containers[0]!.image).toBe(IMAGE);
    // A colour that does not exist: to 0 is a no-op, to 2 is refused with what to do.
    await expect(scale(0, 'green')).resolves.toEqual({ changed: false });
    await expect(scale(2, 'green')).rejects.toThrow(
      /deployment payments-api-green does not exist in namespace payments-dev.*deploy the green colour first/,
    );
  });

  it('GIVEN healthy blue and no green THEN the pods analysis passes on blue with figures and fails on green (no pods)', async () => {
    await expect(measurePods(deps, analyse('blue'), { provider: 'pods', maxRestarts: 0 })).resolves.toEqual({
      provider: 'pods',
      passed: true,
      detail: '2/2 pods ready, 0 restarts (max 0)',
      value: 0,
      threshold: 0,
    });
    await expect(measurePods(deps, analyse('green'), { provider: 'pods', maxRestarts: 3 })).resolves.toEqual({
      provider: 'pods',
      passed: false,
      detail: 'no pods found for payments-api-green in payments-dev',
      threshold: 3,
    });
  });

  it('GIVEN green deployed with a crash image WHEN waited for THEN ready:false early with the reason, and the pods analysis fails', async () => {
    const bad = crashImage(IMAGE);
    expect(bad).toBe('ghcr.io/example/payments-api:1.2.0-crash');
    await expect(
      deployColour(deps, { target: t, colour: 'green', image: bad, port: 8080, replicas: 2, operationId: OP }),
    ).resolves.toEqual({ changed: true });
    const r = await waitColourReady(deps, { target: t, colour: 'green', timeoutSeconds: 40, pollMs: 300 });
    expect(r).toMatchObject({ ready: false, replicas: 2, readyReplicas: 0 });
    expect(r.message).toMatch(
      /^pod payments-api-green-[a-z0-9]+-[a-z0-9]+: CrashLoopBackOff \(container payments-api restarted \d+ times?\); 0\/2 ready$/,
    );

    const m = await measurePods(deps, analyse('green'), { provider: 'pods', maxRestarts: 0 });
    expect(m).toMatchObject({ provider: 'pods', passed: false, threshold: 0 });
    expect(m.value).toBeGreaterThanOrEqual(1);
    expect(m.detail).toMatch(/CrashLoopBackOff/);
    expect(m.detail).toMatch(/0\/2 pods ready, \d+ restarts? \(max 0\)$/);
    // Generous restart limits do not make not-Ready pods pass.
    const lenient = await measurePods(deps, analyse('green'), { provider: 'pods', maxRestarts: 100 });
    expect(lenient.passed).toBe(false);
  });

  it('GIVEN crashing green WHEN it is redeployed with a good image THEN the old crashing pods are not judged and it becomes ready and healthy', async () => {
    await expect(
      deployColour(deps, { target: t, colour: 'green', image: IMAGE, port: 8080, replicas: 2, operationId: 'op-fix' }),
    ).resolves.toEqual({ changed: true });
    await expect(
      waitColourReady(deps, { target: t, colour: 'green', timeoutSeconds: 30, pollMs: 300 }),
    ).resolves.toEqual({ ready: true, replicas: 2, readyReplicas: 2, message: '2/2 pods ready' });
    await expect(readColours(deps, { target: t })).resolves.toMatchObject({
      green: { exists: true, image: IMAGE, replicas: 2, readyReplicas: 2 },
    });
    // The crashing pods are being deleted (kwok finishes deletions at once): only the new ones are measured.
    let m = await measurePods(deps, analyse('green'), { provider: 'pods', maxRestarts: 0 });
    for (let i = 0; i < 20 && !m.passed; i++) {
      await new Promise((r) => setTimeout(r, 250));
      m = await measurePods(deps, analyse('green'), { provider: 'pods', maxRestarts: 0 });
    }
    expect(m).toMatchObject({ passed: true, detail: '2/2 pods ready, 0 restarts (max 0)' });
  });

  it('GIVEN pods that cannot be scheduled (nodes cordoned) WHEN waited for in an activity THEN it heartbeats each poll and returns "0/2 ready after Ns" at the timeout', async () => {
    const orders = rc.target('orders-api', 'orders');
    const nodes = ['kwok-node-0', 'kwok-node-1'];
    await rc.kubectl('cordon', ...nodes);
    try {
      await deployColour(deps, {
        target: orders,
        colour: 'blue',
        image: 'ghcr.io/example/orders-api:2.0.0',
        port: 9090,
        replicas: 2,
        operationId: OP,
      });
      const beats: unknown[] = [];
      const env = new MockActivityEnvironment();
      env.on('heartbeat', (d: unknown) => beats.push(d));
      const input: WaitColourReadyInput = { target: orders, colour: 'blue', timeoutSeconds: 2, pollMs: 400 };
      const r = await env.run<
        [WaitColourReadyInput],
        WaitColourReadyResult,
        (i: WaitColourReadyInput) => Promise<WaitColourReadyResult>
      >((i) => waitColourReady(deps, i), input);
      expect(r).toEqual({ ready: false, replicas: 2, readyReplicas: 0, message: '0/2 ready after 2s' });
      expect(beats.length).toBeGreaterThanOrEqual(3);
      expect(beats[0]).toMatchObject({ colour: 'blue', replicas: 2, readyReplicas: 0 });
    } finally {
      await rc.kubectl('uncordon', ...nodes);
    }
  });

  it('GIVEN bad input THEN InvalidInput names the field before kubectl runs', async () => {
    const base = { target: t, colour: 'blue' as const, image: IMAGE, port: 8080, replicas: 2, operationId: OP };
    await expect(deployColour(deps, { ...base, image: 'has space:1' })).rejects.toThrow(/^image: 'has space:1'/);
    await expect(deployColour(deps, { ...base, port: 70000 })).rejects.toThrow(/^port: 70000 is not a port number/);
    await expect(deployColour(deps, { ...base, replicas: -1 })).rejects.toThrow(/^replicas: -1/);
    await expect(deployColour(deps, { ...base, target: { ...t, service: 'Payments_API' } })).rejects.toThrow(
      /^service: 'Payments_API' cannot name Kubernetes objects/,
    );
    await expect(readColours(deps, { target: { ...t, environment: 'prd' } })).rejects.toThrow(
      /environment: 'prd' is unknown/,
    );
    expect(calls).toHaveLength(0);
  });

  // Last: it removes the VirtualService CRD from the shared cluster.
  it('GIVEN a cluster without Istio THEN reading traffic fails as ToolMissing saying what to install (not retried forever)', async () => {
    await rc.kubectl('delete', 'crd', 'virtualservices.networking.istio.io', '--wait=true');
    // A fresh discovery cache, as on a cluster that never had Istio (kubectl caches the kinds it has seen).
    const cacheDir = mkdtempSync(join(rc.cluster.dir, 'kubectl-cache-'));
    const fresh: RolloutDeps = { ...deps, run: (i) => deps.run({ ...i, env: { ...i.env, KUBECACHEDIR: cacheDir } }) };
    // One at a time: each call is made only when awaited (an early rejection must not go unhandled).
    for (const attempt of [
      () => readIstioTraffic(fresh, t),
      () =>
        setIstioTraffic(fresh, {
          target: t,
          traffic: { kind: 'istio' },
          weights: { blue: 0, green: 100 },
          operationId: OP,
        }),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolMissing);
      expect((err as Error).message).toMatch(/^the cluster has no Istio VirtualService .*install Istio there/);
    }
  });
});
