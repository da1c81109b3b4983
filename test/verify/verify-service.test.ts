/**
 * `verify service {service} {env}` on a real control plane (kwok nodes): never rolled out → not deployed; after a
 * real blue/green rollout → the live colour's replicas and pods Ready on the applied image; the image changed with
 * kubectl behind the product's back → the image check fails and on call is alerted in the fake Slack.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { CommandResult } from '../../core/commands/results';
import type { VerifyReport } from '../../core/verify/report';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { FakeSlack } from '../support/fake-slack/server';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { replayAndMaybeRecord } from '../support/histories';
import { eventually, person, startWorker, testClient } from '../support/sandbox';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';

const exec = promisify(execFile);
const SERVICE = `vfy-${randomBytes(3).toString('hex')}`;
const NS = 'verify-dev';
const KEY = `verify/dev/service-${SERVICE}`;

describe('verify service {service} {env} against a real cluster', () => {
  let cluster: PrivateCluster;
  let fake: FakeSlack;
  let config: RolloutTestConfig['config'];
  let session: GatewaySession;
  let worker: RunningWorker;
  let client: Client;
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
  const run = async (line: string): Promise<CommandResult> => {
    const parsed = session.gateway.parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    return session.gateway.execute(parsed.command, person('U0STRANGER'));
  };
  const verify = async (line: string): Promise<{ report: VerifyReport; text: string; slack: string }> => {
    const parsed = session.gateway.parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    const r = await run(line);
    if (r.kind !== 'verify') throw new Error(`expected a verification, got ${r.kind}`);
    const slack = renderSlackResult(parsed.command, r, 'C0OPS');
    expect(blockKitViolations(slack.blocks)).toEqual([]);
    return { report: r.report, text: renderResult(parsed.command, r, 'U0STRANGER').text, slack: JSON.stringify(slack) };
  };
  const topLevel = () => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(KEY));

  beforeAll(async () => {
    fake = await FakeSlack.start();
    cluster = await startPrivateCluster(2);
    const tc = rolloutTestConfig(cluster, {
      [SERVICE]: testServiceYaml(
        { stepWait: '1s', bake: '1s' },
        { namespace: 'verify', image: `ghcr.io/example/${SERVICE}` },
      ),
    });
    config = { ...withFakeSlack(tc.config, fake), stacks: {} };
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

  it('GIVEN a service never rolled out WHEN verified THEN it says not deployed, naming service and env', async () => {
    const { report, text } = await verify(`verify service ${SERVICE} dev`);
    expect(report.status).toBe('NOT_DEPLOYED');
    expect(text).toBe(
      `[dev] verify service ${SERVICE} in dev: NOT DEPLOYED — service ${SERVICE} has never been rolled out to dev (no traffic split) (namespace ${NS})`,
    );
    expect(topLevel()).toEqual([]);
  });

  it('GIVEN a real rollout WHEN verified THEN the live colour passes; its image changed by hand THEN the image check fails and alerts once', async () => {
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
    // The rollout verified the live colour itself (`verify-after-rollout`) before it ended.
    const rolled = await session.gateway.result(op);
    expect(rolled).toMatchObject({ outcome: 'succeeded', verification: { kind: 'service', status: 'PASSED' } });
    expect(rolled.message).toMatch(/ is live on green with 100% of traffic .*; verification passed \(4 checks\)$/);
    await replayAndMaybeRecord(client, op, 'rollout-verified');

    const t0 = Date.now();
    const ok = await verify(`verify service ${SERVICE} in dev`);
    console.log(`verify service (PASSED) answered in ${Date.now() - t0} ms`);
    expect(ok.report.status).toBe('PASSED');
    expect(ok.text.split('\n')).toEqual([
      `[dev] verify service ${SERVICE} in dev: PASSED — 4 checks passed (namespace ${NS})`,
      `  passed  deployment: live colour green (100% of the traffic): ${SERVICE}-green`,
      '  passed  replicas Ready: 2 of 2 desired replicas Ready',
      '  passed  pods Ready: 2 of 2 pods Ready',
      `  passed  image: ghcr.io/example/${SERVICE}:1.0.0 (as the last rollout applied)`,
      '  note: HTTP probe: not configured (the services: catalog names no health endpoint yet); pods Ready is the health check',
      `checked ${ok.report.checkedAt}`,
    ]);
    expect(ok.slack).toContain(':white_check_mark:');
    expect(topLevel()).toEqual([]);

    await kubectl('set', 'image', `deployment/${SERVICE}-green`, `${SERVICE}=ghcr.io/evil/miner:6.6.6`, '-n', NS);
    const bad = await verify(`verify service ${SERVICE} dev`);
    expect(bad.report.status).toBe('FAILED');
    expect(bad.text).toContain(
      `FAILED  image: ghcr.io/evil/miner:6.6.6, the last rollout applied ghcr.io/example/${SERVICE}:1.0.0`,
    );
    expect(bad.slack).toContain(':x:');
    const posted = await eventually(
      () => Promise.resolve(topLevel().length ? topLevel() : undefined),
      30_000,
      'verify alert',
    );
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0])).toContain('ghcr.io/evil/miner:6.6.6');
  }, 300_000);

  it('GIVEN an unknown service WHEN verified THEN the refusal names the known ones', async () => {
    await expect(run('verify service no-such-svc dev')).rejects.toThrow(/no-such-svc/);
  });
});
