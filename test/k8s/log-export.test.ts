import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { executeLine } from '../../cli/execute';
import type { Output } from '../../cli/execute';
import type { KubeReadCommand } from '../../core/commands/types';
import { setPodLogs } from '../../sandbox/kube/pod-logs';
import { renderLogExport } from '../../presentation/text/log-export';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { connectClient } from '../../worker/temporal-connection';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { FakeSlack } from '../support/fake-slack/server';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const exec = promisify(execFile);
const NS = 'payments-dev';
const line = (i: number) => `2026-11-26T10:00:${String(i % 60).padStart(2, '0')}Z INFO POST /payments/${i} 201 31ms`;
const lines = (n: number) => Array.from({ length: n }, (_, i) => line(i + 1));
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * A log longer than chat shows goes in full to the person who asked — a DM from Slack, a private file from the
 * terminal — and only its size and digest are kept (history, audit). Real cluster (kwok serves the log), real
 * worker, the Slack Web API faked on the wire.
 */
describe('full pod logs: sent to the requester only, never into history', () => {
  let cluster: PrivateCluster;
  let fake: FakeSlack;
  let worker: RunningWorker;
  let session: GatewaySession;
  let pod: string;
  const kubectl = (...args: string[]) =>
    exec(cluster.kube.bin.kubectl, [
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--context',
      cluster.kube.contextName,
      ...args,
    ]);
  const logsOf = (p: string): KubeReadCommand => ({ name: 'pod-logs', pod: p, service: 'payments-api', env: 'dev' });

  beforeAll(async () => {
    cluster = await startPrivateCluster(1);
    fake = await FakeSlack.start();
    const { config } = rolloutTestConfig(cluster, {
      'payments-api': testServiceYaml({}, { namespace: 'payments' }),
    });
    const withSlack = withFakeSlack(config, fake);
    worker = await startWorker(withSlack);
    session = await openGateway(withSlack);
    await kubectl('create', 'namespace', NS);
    await kubectl('create', 'deployment', 'payments-api-blue', '--image=ghcr.io/example/payments-api:1.4.2', '-n', NS);
    pod = await eventually(
      async () => {
        const r = await kubectl(
          'get',
          'pods',
          '-n',
          NS,
          '-o',
          'jsonpath={.items[0].metadata.name} {.items[0].status.phase}',
        );
        const [name, phase] = r.stdout.split(' ');
        return phase === 'Running' ? name : undefined;
      },
      90_000,
      'a running payments-api pod',
    );
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    await worker?.stop();
    await fake?.stop();
    await cluster?.stop();
  }, 60_000);

  it('GIVEN a 250-line log WHEN read in the terminal THEN the last 100 lines are shown and all 250 are in a 0600 file whose digest the audit names', async () => {
    await setPodLogs(cluster.kube, { namespace: NS, pod, lines: lines(250) });
    const out: string[] = [];
    const o: Output = { out: (s) => out.push(s), err: (s) => out.push(`ERR ${s}`) };
    expect(await executeLine(session, person('alice'), `logs ${pod} payments-api dev`, o)).toBe(0);
    const shown = out.join('\n').split('\n');
    // Chat gets the end of the last 100 lines that fits a message…
    expect(shown[0]).toMatch(
      new RegExp(`^\\[dev\\] ${NS}: last 100 lines of pod ${pod} \\(showing the end: \\d+ of \\d+ characters`),
    );
    const excerpt = shown.slice(1, -1);
    expect(excerpt.length).toBeGreaterThan(20);
    expect(excerpt).toEqual(lines(250).slice(-excerpt.length));
    const last = shown.at(-1) ?? '';
    const m = /^Full log \(250 lines, ([\d.]+ KiB)\) written to (\S+) on the worker's machine \(kept 7 days\)\.$/.exec(
      last,
    );
    expect(m).not.toBeNull();
    const path = m?.[2] ?? '';
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(lines(250).join('\n') + '\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The audit names who took it, what and its digest; the text is neither there nor in the workflow's history.
    const records = (await session.gateway.audit(1000)).filter((r) => r.action === 'log-exported');
    expect(records.at(-1)).toMatchObject({
      actor: 'alice',
      environment: 'dev',
      target: `${NS}/${pod}`,
      details: { destination: 'file', lines: 250, sha256: sha(text), capped: false, path },
    });
    const workflowId = records.at(-1)?.operationId ?? '';
    const client = await connectClient(session.config.temporal);
    const raw = JSON.stringify(await client.workflow.getHandle(workflowId).fetchHistory());
    // Every payload in the history, decoded.
    const history = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((x) => Buffer.from(x[1] ?? '', 'base64').toString('utf8'))
      .join('\n');
    await client.connection.close();
    expect(history).toContain('/payments/250 201'); // the excerpt shown in chat…
    expect(history).not.toContain('/payments/150 201'); // …but not the lines only the file holds
  }, 90_000);

  it('GIVEN a Slack requester WHEN the log is longer than shown THEN the whole log is uploaded to their DM with the bot, not to a channel', async () => {
    await setPodLogs(cluster.kube, { namespace: NS, pod, lines: lines(400) });
    const uploadsBefore = fake.callsOf('file_upload').length;
    const r = await session.gateway.kubernetesRead(logsOf(pod), person('alice'), {
      exportLogTo: { kind: 'slack-dm', slackUserId: 'U0ALICE01' },
    });
    expect(r.result).toMatchObject({ kind: 'logs', tailLines: 100, totalLines: 100 });
    expect(r.result.exported).toMatchObject({
      destination: 'slack-dm',
      lines: 400,
      channel: 'D0ALICE01',
      capped: false,
    });
    expect(renderLogExport(r.result)).toMatch(/^Full log \(400 lines, [\d.]+ KiB\) sent to you in a direct message\.$/);
    expect(fake.callsOf('conversations.open').at(-1)?.args).toMatchObject({ users: 'U0ALICE01' });
    const uploads = fake.callsOf('file_upload').slice(uploadsBefore);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.args.content).toBe(lines(400).join('\n') + '\n');
    const completed = fake.callsOf('files.completeUploadExternal').at(-1)?.args ?? {};
    expect(completed.channel_id).toBe('D0ALICE01');
    expect(String(completed.initial_comment)).toContain(`Full log of \`${pod}\` (${NS}): 400 lines`);
    expect(r.result.exported?.fileId).toBe(JSON.parse(String(completed.files))[0].id);
  }, 90_000);

  it('GIVEN a short log WHEN read THEN nothing is exported; GIVEN Slack down THEN the excerpt still answers and says why the rest was not sent', async () => {
    await setPodLogs(cluster.kube, { namespace: NS, pod, lines: lines(30) });
    const uploadsBefore = fake.callsOf('file_upload').length;
    const short = await session.gateway.kubernetesRead(logsOf(pod), person('alice'), {
      exportLogTo: { kind: 'slack-dm', slackUserId: 'U0ALICE01' },
    });
    expect(short.result).toMatchObject({ kind: 'logs', totalLines: 30, truncated: false });
    expect(short.result.exported).toBeUndefined();
    expect(fake.callsOf('file_upload').length).toBe(uploadsBefore);

    await setPodLogs(cluster.kube, { namespace: NS, pod, lines: lines(120) });
    fake.setDown(true);
    try {
      const down = await session.gateway.kubernetesRead(logsOf(pod), person('alice'), {
        exportLogTo: { kind: 'slack-dm', slackUserId: 'U0ALICE01' },
      });
      expect(down.result).toMatchObject({ kind: 'logs', totalLines: 100 });
      expect(down.result.exported).toBeUndefined();
      expect(renderLogExport(down.result)).toMatch(/^The full log could not be sent: .+/);
    } finally {
      fake.setDown(false);
    }
  }, 90_000);
});
