import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { OperationState } from '../../core/operations';
import type { RolloutActivities } from '../../core/rollout/types';
import { rolloutLines } from '../../core/rollout/summary';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities } from '../../worker/compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient } from '../support/sandbox';

/**
 * The rollout's security gate on the real Temporal server with the real gate activity (real trivy, the offline DB
 * and image tarballs the bootstrap builds, the sandbox config's gates). The cluster-side activities are counting
 * stubs: the point is that a blocked image never reaches them.
 */
describe('the security gate in front of a rollout (real trivy)', () => {
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;
  const deployed: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollout-gate-'));
    writeFileSync(
      join(dir, 'kubeconfig'),
      'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: [{ name: stub, context: {} }]\n',
    );
    const cluster = { dir, kube: { contextName: 'stub', kubeconfig: join(dir, 'kubeconfig') } } as PrivateCluster;
    const tc = rolloutTestConfig(
      cluster,
      { 'payments-api': testServiceYaml({}, { image: 'ghcr.io/example/payments-api', namespace: 'payments' }) },
      { dev: { kind: 'istio' }, prd: { kind: 'istio' } },
      { security: true },
    );
    const real = composeActivities(tc.config);
    const stubs: Omit<RolloutActivities, 'rolloutSecurityGate'> = {
      readColours: () =>
        Promise.resolve({
          blue: { colour: 'blue', exists: false, replicas: 0, readyReplicas: 0 },
          green: { colour: 'green', exists: false, replicas: 0, readyReplicas: 0 },
        }),
      deployColour: (i) => {
        deployed.push(`${i.target.environment}:${i.image}`);
        return Promise.resolve({ changed: true });
      },
      waitColourReady: () => Promise.resolve({ ready: true, replicas: 2, readyReplicas: 2, message: 'ready' }),
      scaleColour: () => Promise.resolve({ changed: true }),
      readTraffic: () => Promise.resolve({ exists: false, weights: { blue: 100, green: 0 } }),
      setTraffic: () => Promise.resolve({ changed: true, previous: { blue: 100, green: 0 } }),
      analyseColour: () =>
        Promise.resolve({ passed: true, measurements: [{ provider: 'pods', passed: true, detail: 'ok' }] }),
    };
    worker = await startWorker(tc.config, { ...real, ...stubs });
    session = await openGateway(tc.config);
    client = await testClient(tc.config);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await session?.close();
  }, 60_000);

  const gw = () => session.gateway;
  const when = (op: string, ok: (s: OperationState) => boolean, what: string) =>
    eventually(
      async () => {
        const s = await gw().state(op);
        return ok(s) ? s : undefined;
      },
      90_000,
      what,
    );

  it('PRD: an image with a fixable CRITICAL is stopped before any colour is deployed, and the reason names the CVE', async () => {
    const op = (await gw().startRollout('payments-api', '1.4.2', 'prd', person('alice'))).operationId;
    const done = await gw().result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toMatch(/^security gate refused ghcr.io\/example\/payments-api:1.4.2: BLOCKED in prd/);
    expect(done.message).toContain('CVE-2019-10744 CRITICAL lodash 4.17.11 → 4.17.12');
    expect(done.rollout?.securityGate).toMatchObject({
      provider: 'trivy',
      verdict: 'blocked',
      counts: '1 CRITICAL, 2 HIGH, 2 MEDIUM',
    });
    expect(deployed.filter((d) => d.startsWith('prd:'))).toEqual([]);
    const gate = (await gw().audit(500)).find((r) => r.operationId === op && r.action === 'security-gate');
    expect(gate?.details).toMatchObject({ passed: false, verdict: 'blocked' });
  }, 120_000);

  it('DEV: the same image is reported on the approval card and goes on to the approval', async () => {
    const op = (await gw().startRollout('payments-api', '1.4.2', 'dev', person('alice'))).operationId;
    const pending = await when(op, (s) => s.phase === 'awaiting-approval' || s.outcome !== undefined, 'approval wait');
    expect(pending.phase).toBe('awaiting-approval');
    expect(deployed).toContain('dev:ghcr.io/example/payments-api:1.4.2');
    const card = rolloutLines(pending).join('\n');
    expect(card).toContain('Security gate: REPORT ONLY in dev: ghcr.io/example/payments-api:1.4.2');
    expect(card).toContain('• CVE-2019-10744 CRITICAL lodash 4.17.11 → 4.17.12: Prototype Pollution in lodash');
    await gw().cancel(op, person('alice'));
  }, 120_000);
});
