/**
 * Kubernetes drift end to end (issue 16 item 3): a real blue/green rollout on a private control plane (kwok nodes),
 * then the Deployment scaled and its image changed with kubectl behind the product's back → `drift service` names
 * the paths, expected → actual, and raises one alert in the fake Slack's alerts channel, however often it is
 * checked; a catalog Helm release upgraded by hand with other values → `drift release` finds it; the scheduled
 * drift check covers both.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { CommandResult } from '../../core/commands/results';
import type { KubernetesDriftReport } from '../../core/drift/kubernetes';
import type { EnvironmentDriftReport } from '../../core/drift/report';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { scheduledDriftInput } from '../../worker/schedules';
import { scheduledDriftWorkflow } from '../../workflows';
import type { ScheduledDriftResult } from '../../workflows/alerts';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { FakeSlack } from '../support/fake-slack/server';
import { replayAndMaybeRecord } from '../support/histories';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SERVICE = `dft-${randomBytes(3).toString('hex')}`;
const NS = 'drift-dev';
const SERVICE_KEY = `drift/dev/service-${SERVICE}`;
const RELEASE_KEY = 'drift/dev/release-sample-app';

describe('Kubernetes drift: rollout services and Helm releases against a real cluster', () => {
  let cluster: PrivateCluster;
  let fake: FakeSlack;
  let tc: RolloutTestConfig;
  let config: RolloutTestConfig['config'];
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;
  let alerts = '';

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
  const helm = async (...args: string[]): Promise<string> =>
    (
      await exec(config.tools.helm, [
        ...args,
        '--kubeconfig',
        cluster.kube.kubeconfig,
        '--kube-context',
        cluster.kube.contextName,
      ])
    ).stdout;
  const run = async (line: string, who: Requester = person('alice')): Promise<CommandResult> => {
    const parsed = session.gateway.parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    return session.gateway.execute(parsed.command, who);
  };
  const driftOf = async (line: string, who?: Requester): Promise<KubernetesDriftReport> => {
    const r = await run(line, who);
    if (r.kind !== 'drift') throw new Error(`expected a drift report, got ${r.kind}`);
    return r.report as KubernetesDriftReport;
  };
  const topLevel = (key: string) => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(key));
  const differences = (r: KubernetesDriftReport): string[] =>
    r.resources.flatMap((o) => o.differences.map((d) => `${o.logicalId} ${d.path}: ${d.expected} → ${d.actual}`));
  let lastScheduled = '';
  const scheduledCheck = (): Promise<ScheduledDriftResult> => {
    lastScheduled = `test-scheduled-k8s-drift-${randomBytes(4).toString('hex')}`;
    return client.workflow.execute(scheduledDriftWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: lastScheduled,
      args: [scheduledDriftInput(config, 'dev')],
      workflowExecutionTimeout: '5m',
    });
  };

  beforeAll(async () => {
    fake = await FakeSlack.start();
    cluster = await startPrivateCluster(2);
    tc = rolloutTestConfig(cluster, {
      [SERVICE]: testServiceYaml(
        { stepWait: '1s', bake: '1s' },
        { namespace: 'drift', image: `ghcr.io/example/${SERVICE}` },
      ),
    });
    // Only this file's service and the sample release: the scheduled check is `drift all` over the catalog.
    config = { ...withFakeSlack(tc.config, fake), stacks: {}, drift: { ignore: [], concurrency: 2, pollMs: 100 } };
    alerts = config.environments.dev.slack.alertsChannel!;
    worker = await startWorker(config);
    session = await openGateway(config);
    client = await testClient(config);
  }, 240_000);

  afterAll(async () => {
    await client?.connection.close();
    await session?.close();
    await worker?.stop();
    await cluster?.stop();
    await fake?.stop();
  }, 60_000);

  it('GIVEN a service never rolled out WHEN drift service THEN it says so and alerts nothing', async () => {
    const r = await driftOf(`drift service ${SERVICE} dev`);
    expect(r.status).toBe('NOT_CHECKED');
    expect(r.summary).toBe(
      `service ${SERVICE} in dev: NOT CHECKED — ${SERVICE} has never been rolled out in dev (no Deployment ${SERVICE}-blue or -green in ${NS}); roll it out with \`rollout ${SERVICE} <version> to dev\``,
    );
    expect(topLevel(SERVICE_KEY)).toEqual([]);
  });

  it('GIVEN a real rollout WHEN the Deployment is scaled and its image changed with kubectl THEN drift names both paths, one alert however often checked', async () => {
    const op = (await session.gateway.startRollout(SERVICE, '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await eventually(
      async () => {
        const s = await session.gateway.state(op);
        if (s.outcome) throw new Error(`${op} ended ${s.outcome}: ${s.message}`);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      120_000,
      'approval wait',
    );
    await session.gateway.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await session.gateway.result(op)).toMatchObject({ outcome: 'succeeded' });

    const clean = await driftOf(`drift service ${SERVICE} dev`);
    expect(clean.summary).toBe(`service ${SERVICE} in dev: in sync — 1 object checked`);
    expect(clean.expectedFrom).toBe(
      `what the last rollout applied: green ghcr.io/example/${SERVICE}:1.0.0 ×2 (traffic blue 0% / green 100%)`,
    );

    await kubectl('scale', `deployment/${SERVICE}-green`, '--replicas=3', '-n', NS);
    await kubectl('set', 'image', `deployment/${SERVICE}-green`, `${SERVICE}=ghcr.io/evil/miner:6.6.6`, '-n', NS);
    await kubectl('set', 'env', `deployment/${SERVICE}-green`, 'DEBUG=1', '-n', NS);
    const started = Date.now();
    const who = person('alice');
    const drifted = await driftOf(`drift service ${SERVICE} dev`, who);
    const ms = Date.now() - started;
    expect(drifted.status).toBe('DRIFTED');
    expect(differences(drifted)).toEqual([
      `${SERVICE}-green /spec/template/spec/containers/${SERVICE}/image: "ghcr.io/example/${SERVICE}:1.0.0" → "ghcr.io/evil/miner:6.6.6"`,
      `${SERVICE}-green /spec/replicas: 2 → 3`,
      `${SERVICE}-green /spec/template/spec/containers/${SERVICE}/env/DEBUG: null → "1"`,
    ]);
    const text = renderResult(
      { name: 'drift-service', service: SERVICE, env: 'dev' } as never,
      { kind: 'drift', report: drifted },
      'alice',
    ).text;
    expect(text).toContain(`${SERVICE}-green Deployment ${NS}: MODIFIED`);
    expect(text).toContain('~ /spec/replicas: 2 → 3  (changed)');
    expect(text).toMatch(/who changed it: field manager kubectl/);
    console.log(`drift service (DRIFTED) answered in ${ms} ms`);

    // One alert, with the readable diff; the same drift checked again (by hand and by the schedule) adds none.
    const posted = await eventually(
      () => Promise.resolve(topLevel(SERVICE_KEY).length ? topLevel(SERVICE_KEY) : undefined),
      30_000,
      'alert',
    );
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0])).toContain('/spec/replicas: 2 → 3');
    const again = await driftOf(`drift service ${SERVICE} dev`);
    expect(again.fingerprint).toBe(drifted.fingerprint);
    const scheduled = await scheduledCheck();
    expect(scheduled.alerts.find((a) => a.stack === `service-${SERVICE}`)).toEqual({
      stack: `service-${SERVICE}`,
      action: 'none',
      why: 'alerted already (open)',
    });
    expect(topLevel(SERVICE_KEY)).toHaveLength(1);
    await replayAndMaybeRecord(client, lastScheduled, 'scheduled-drift-kubernetes');
    await replayAndMaybeRecord(client, `drift/dev/service-${SERVICE}/${who.requestId}`, 'drift-service-drifted');
  }, 300_000);

  it('GIVEN the sample release upgraded by hand with other values WHEN drift release THEN the changed fields and the foreign revision are named', async () => {
    const chart = join(ROOT, 'infra', 'helm', 'charts', 'sample-app');
    await helm(
      'install',
      'sample-app',
      chart,
      '--namespace',
      'sample-dev',
      '--create-namespace',
      '--set',
      'replicaCount=2',
    );
    const clean = await driftOf('drift release sample-app dev');
    expect(clean.status).toBe('IN_SYNC');
    expect(clean.summary).toMatch(/^release sample-app in dev: in sync — \d+ objects? checked$/);

    await helm('upgrade', 'sample-app', chart, '--namespace', 'sample-dev', '--set', 'replicaCount=5');
    const drifted = await driftOf('drift release sample-app dev');
    expect(drifted.status).toBe('DRIFTED');
    expect(differences(drifted)).toContain('sample-app-sample-app /spec/replicas: 2 → 5');
    expect(drifted.attribution).toMatchObject({
      available: true,
      events: [{ who: 'not infra-agent', action: expect.stringContaining('helm revision 2') }],
    });

    // `drift all` lists both; the scheduled check alerts the release once.
    const all = await run('drift all dev');
    const report = (all as { report: EnvironmentDriftReport }).report;
    expect(report.summary).toBe(`dev: 2 drifted (service ${SERVICE}, release sample-app), 0 in sync`);
    await scheduledCheck();
    await scheduledCheck();
    expect(topLevel(RELEASE_KEY)).toHaveLength(1);
  }, 240_000);

  it('GIVEN bad input WHEN drift service/release THEN the field, what was wrong and what to do', () => {
    const unknown = session.gateway.parse('drift service nope-api dev');
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.error).toContain(SERVICE);
    const env = session.gateway.parse(`drift service ${SERVICE} qa`);
    expect(env.ok).toBe(false);
    expect(!env.ok && env.error).toMatch(/dev, tst (or|and) prd|dev, tst, prd/);
    const release = session.gateway.parse('drift release nope dev');
    expect(release.ok).toBe(false);
    expect(!release.ok && release.error).toContain('sample-app');
  });
});
