/**
 * Kubernetes drift remediation end to end (issue 16: "a Kubernetes drift does the same"): on a private control plane
 * (kwok nodes), a real blue/green rollout, then the Deployment scaled, its image changed and an env var added with
 * kubectl → `remediate service` (the line the alert's Remediate button runs) → approval by someone else → the
 * Deployment back to what the rollout applied, the re-check clean and the alert resolved in its thread. A catalog
 * release upgraded by hand → its alert's remediation, `helm upgrade <release> <env>` → in sync, alert resolved.
 * Bad input: an unknown service or environment, a service in sync (nothing started), a rollout in progress (busy).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { remediateCommandOf } from '../../core/alerts/alert';
import type { CommandResult } from '../../core/commands/results';
import type { KubernetesDriftReport } from '../../core/drift/kubernetes';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import { composeActivities } from '../../worker/compose';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { ActionIds } from '../../presentation/slack/ids';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned } from '../support/fake-slack/signed';
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
const SERVICE = `rmd-${randomBytes(3).toString('hex')}`;
const NS = 'drift-dev';
const OP = `rollout/dev/${SERVICE}`;
const SERVICE_KEY = `drift/dev/service-${SERVICE}`;
const RELEASE_KEY = 'drift/dev/release-sample-app';
/** bob's Slack identity in the sandbox config's users. */
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };

interface DeploymentJson {
  metadata: { annotations?: Record<string, string> };
  spec: {
    replicas: number;
    template: { spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[] } };
  };
}

describe('Kubernetes drift remediation against a real cluster', () => {
  let cluster: PrivateCluster;
  let fake: FakeSlack;
  let tc: RolloutTestConfig;
  let config: RolloutTestConfig['config'];
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;
  let bot: RunningBot;
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
  const driftOf = async (line: string): Promise<KubernetesDriftReport> => {
    const r = await run(line);
    if (r.kind !== 'drift') throw new Error(`expected a drift report, got ${r.kind}`);
    return r.report as KubernetesDriftReport;
  };
  const topLevel = (key: string) => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(key));
  const replies = (ts: string) => fake.messagesIn(alerts).filter((m) => m.threadTs === ts);
  const awaitingApproval = (op: string): Promise<OperationState> =>
    eventually(
      async () => {
        const s = await session.gateway.state(op);
        if (s.outcome) throw new Error(`${op} ended ${s.outcome}: ${s.message}`);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      120_000,
      `${op} awaiting approval`,
    );
  const deployment = async (name: string): Promise<DeploymentJson> =>
    JSON.parse(await kubectl('get', 'deployment', name, '-n', NS, '-o', 'json')) as DeploymentJson;
  const openAlert = (key: string) => eventually(() => Promise.resolve(topLevel(key)[0]), 30_000, `the alert ${key}`);

  beforeAll(async () => {
    fake = await FakeSlack.start();
    cluster = await startPrivateCluster(2);
    tc = rolloutTestConfig(cluster, {
      [SERVICE]: testServiceYaml(
        { stepWait: '1s', bake: '1s' },
        { namespace: 'drift', image: `ghcr.io/example/${SERVICE}` },
      ),
    });
    config = { ...withFakeSlack(tc.config, fake), stacks: {}, drift: { ignore: [], concurrency: 2, pollMs: 100 } };
    alerts = config.environments.dev.slack.alertsChannel!;
    worker = await startWorker(config);
    session = await openGateway(config);
    bot = await startBot(config);
    client = await testClient(config);
    const op = (await session.gateway.startRollout(SERVICE, '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await session.gateway.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await session.gateway.result(op)).toMatchObject({ outcome: 'succeeded' });
  }, 300_000);

  afterAll(async () => {
    await client?.connection.close();
    await bot?.stop();
    await session?.close();
    await worker?.stop();
    await cluster?.stop();
    await fake?.stop();
  }, 60_000);

  it('GIVEN a service in sync WHEN remediate service THEN nothing to remediate and nothing started', async () => {
    const before = await session.gateway.state(OP);
    const r = await run(`remediate service ${SERVICE} dev`);
    expect(r).toMatchObject({ kind: 'drift', remediation: 'nothing-drifted', report: { status: 'IN_SYNC' } });
    expect(renderResult({ name: 'remediate-service' } as never, r, 'alice').text).toMatch(
      /^nothing to remediate, nothing started: /,
    );
    // The lock still holds the rollout's finished run: no remediation run was started.
    expect((await session.gateway.state(OP)).kind).toBe(before.kind);
    expect(before.kind).toBe('rollout');
  }, 60_000);

  it('GIVEN bad input WHEN remediate service THEN the field, what was wrong and what to do', () => {
    const unknown = session.gateway.parse('remediate service nope-api dev');
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.error).toContain(SERVICE);
    const env = session.gateway.parse(`remediate service ${SERVICE} qa`);
    expect(env.ok).toBe(false);
    expect(!env.ok && env.error).toMatch(/dev, tst (or|and) prd|dev, tst, prd/);
  });

  it('GIVEN image, replicas and env changed with kubectl WHEN the alert is remediated and someone else approves THEN the Deployment is what the rollout applied, the re-check is clean and the alert resolved', async () => {
    await kubectl('scale', `deployment/${SERVICE}-green`, '--replicas=3', '-n', NS);
    await kubectl('set', 'image', `deployment/${SERVICE}-green`, `${SERVICE}=ghcr.io/evil/miner:6.6.6`, '-n', NS);
    await kubectl('set', 'env', `deployment/${SERVICE}-green`, 'DEBUG=1', '-n', NS);
    expect((await driftOf(`drift service ${SERVICE} dev`)).status).toBe('DRIFTED');
    const alert = await openAlert(SERVICE_KEY);

    // Bob clicks the alert's Remediate (a signed payload): `remediate service <service> dev` is his operation,
    // reported in the alert's thread.
    expect(remediateCommandOf(SERVICE_KEY)).toBe(`remediate service ${SERVICE} dev`);
    expect(JSON.stringify(alert.blocks)).toContain(ActionIds.alertRemediate);
    const started = Date.now();
    const res = await postSigned(
      bot.url,
      SIGNING_SECRET,
      buttonClickBody(BOB, ActionIds.alertRemediate, SERVICE_KEY, alerts, alert.ts, fake.responseUrl('act')),
      'application/x-www-form-urlencoded',
    );
    expect(res.status).toBe(200);
    const pending = await awaitingApproval(OP);
    console.log(`remediate service: drift check + start + preview in ${Date.now() - started} ms`);
    expect(pending).toMatchObject({
      kind: 'remediate-service',
      target: `${NS}/${SERVICE}`,
      requester: { userId: 'bob', via: 'slack' },
    });
    expect(pending.preview?.changes).toEqual([
      {
        action: 'Modify',
        logicalId: `${NS}/${SERVICE}-green`,
        resourceType: 'Deployment',
        revert: [
          `/spec/template/spec/containers/${SERVICE}/image: "ghcr.io/evil/miner:6.6.6" → "ghcr.io/example/${SERVICE}:1.0.0"`,
          '/spec/replicas: 3 → 2',
          `/spec/template/spec/containers/${SERVICE}/env/DEBUG: "1" → null`,
        ],
      },
    ]);

    const card = await eventually(
      () => Promise.resolve(replies(alert.ts).find((m) => JSON.stringify(m.blocks).includes(ActionIds.approve))),
      30_000,
      'the approval card in the alert thread',
    );
    expect(JSON.stringify(card.blocks)).toContain('/spec/replicas: 3 → 2');
    expect(card.text).toContain('Remediate drift of');

    // A rollout cannot start while the remediation holds the service.
    await expect(session.gateway.startRollout(SERVICE, '1.0.1', 'dev', person('alice'))).rejects.toThrow(/busy/);
    // The requester cannot approve; alice can.
    await expect(
      session.gateway.approve(OP, person('bob'), { artifactId: pending.preview!.artifactId }),
    ).rejects.toThrow('you requested this change: someone else must approve it');
    const approved = Date.now();
    await session.gateway.approve(OP, person('alice'), { artifactId: pending.preview!.artifactId });
    const done = await session.gateway.result(OP);
    console.log(`remediate service: approval → re-apply → re-check in ${Date.now() - approved} ms`);
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(done.message).toContain(`${SERVICE}-green back to ghcr.io/example/${SERVICE}:1.0.0 ×2`);
    expect(done.message).toContain('drift re-check: in sync');

    const d = await deployment(`${SERVICE}-green`);
    const c = d.spec.template.spec.containers.find((x) => x.name === SERVICE)!;
    expect({ image: c.image, replicas: d.spec.replicas, env: c.env ?? [] }).toEqual({
      image: `ghcr.io/example/${SERVICE}:1.0.0`,
      replicas: 2,
      env: [],
    });
    // The write again (a retry after an attempt whose answer was lost): it reads first and writes nothing.
    const again = await composeActivities(config).restoreServiceColours({
      target: { environment: 'dev', service: SERVICE, namespace: NS },
      colours: [
        {
          colour: 'green',
          name: `${SERVICE}-green`,
          image: `ghcr.io/example/${SERVICE}:1.0.0`,
          replicas: 2,
          env: {},
          lines: [],
        },
      ],
      port: 8080,
      operationId: OP,
    });
    expect(again).toEqual({ colours: [{ colour: 'green', changed: false }] });
    expect((await driftOf(`drift service ${SERVICE} dev`)).status).toBe('IN_SYNC');
    const resolved = await eventually(
      () => Promise.resolve(replies(alert.ts).find((m) => m.text.includes('resolved'))),
      30_000,
      'resolved',
    );
    expect(resolved.text).toContain(`service ${SERVICE} in dev: in sync`);
    const note = await eventually(
      () => Promise.resolve(replies(alert.ts).find((m) => m.text.includes(`remediation ${OP}`))),
      30_000,
      'note',
    );
    expect(note.text).toContain('approved by alice');
    await replayAndMaybeRecord(client, OP, 'remediate-service-succeeded');
  }, 300_000);

  it('GIVEN a rollout in progress WHEN remediate service THEN refused as busy and nothing else started', async () => {
    const op = (await session.gateway.startRollout(SERVICE, '1.0.1', 'dev', person('alice'))).operationId;
    await awaitingApproval(op);
    await expect(run(`remediate service ${SERVICE} dev`, person('bob'))).rejects.toMatchObject({
      name: 'OperationConflict',
      message: expect.stringContaining(`${OP} is busy: blueGreenRolloutWorkflow`),
    });
    expect((await session.gateway.state(op)).kind).toBe('rollout');
    await session.gateway.cancel(op, person('alice'));
    expect(await session.gateway.result(op)).toMatchObject({ outcome: 'cancelled' });
  }, 180_000);

  it('GIVEN the sample release upgraded by hand WHEN its alert is remediated (helm upgrade) and approved THEN in sync and the alert resolved', async () => {
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
    await helm('upgrade', 'sample-app', chart, '--namespace', 'sample-dev', '--set', 'replicaCount=5');
    expect((await driftOf('drift release sample-app dev')).status).toBe('DRIFTED');
    const alert = await openAlert(RELEASE_KEY);

    const line = remediateCommandOf(RELEASE_KEY);
    expect(line).toBe('helm upgrade sample-app dev');
    const r = await run(line!, person('alice'));
    expect(r).toMatchObject({ kind: 'started' });
    const op = (r as Extract<CommandResult, { kind: 'started' }>).started.operationId;
    const pending = await awaitingApproval(op);
    expect(JSON.stringify(pending.preview?.changes)).toContain('spec.replicas: 5 → 2');
    await expect(
      session.gateway.approve(op, person('alice'), { artifactId: pending.preview!.artifactId }),
    ).rejects.toThrow('you requested this change: someone else must approve it');
    const approved = Date.now();
    await session.gateway.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await session.gateway.result(op)).toMatchObject({ outcome: 'succeeded' });
    console.log(`helm upgrade remediation: approval → upgrade in ${Date.now() - approved} ms`);

    // The next check is in sync and resolves the alert.
    expect((await driftOf('drift release sample-app dev')).status).toBe('IN_SYNC');
    const resolved = await eventually(
      () => Promise.resolve(replies(alert.ts).find((m) => m.text.includes('resolved'))),
      30_000,
      'resolved',
    );
    expect(resolved.text).toContain('release sample-app in dev: in sync');
  }, 300_000);

  it('GIVEN a scaled Deployment WHEN its remediation is rejected THEN nothing is written and the drift stays', async () => {
    await kubectl('scale', `deployment/${SERVICE}-green`, '--replicas=4', '-n', NS);
    expect(await run(`remediate service ${SERVICE} dev`, person('alice'))).toMatchObject({ kind: 'started' });
    const pending = await awaitingApproval(OP);
    expect(pending.preview?.changes.map((c) => c.revert)).toEqual([['/spec/replicas: 4 → 2']]);
    await session.gateway.reject(OP, person('bob'), 'load test running, leave it at 4');
    expect(await session.gateway.result(OP)).toMatchObject({ outcome: 'rejected' });
    expect((await deployment(`${SERVICE}-green`)).spec.replicas).toBe(4);
    expect((await driftOf(`drift service ${SERVICE} dev`)).status).toBe('DRIFTED');
    await replayAndMaybeRecord(client, OP, 'remediate-service-rejected');
  }, 180_000);
});
