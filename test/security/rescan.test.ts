/**
 * Scheduled rescans end to end on the real servers: a rollout service's live Deployment in a private control plane
 * runs ghcr.io/example/checkout-web:2.1.0 (minimist 1.2.5); the scheduled rescan workflow on real Temporal (as its
 * Schedule starts it) scans it with real trivy against a vulnerability DB in this test's own cache folder. The DB is
 * first built from the sandbox's advisories without GHSA-xvch-5gv4-984h (CVE-2021-44906, minimist), then with it:
 * the DB learning the CVE raises one on-call alert in the fake Slack (Acknowledge/Snooze); the next run raises none;
 * the Deployment gone resolves it. The shared cache is never touched.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { readCheckSchedule } from '../../core/check-schedule';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { readSecurityConfig } from '../../core/security/config';
import type { ServiceRescan } from '../../core/security/rescan';
import { rescanFinding } from '../../core/security/rescan';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import { toolPath } from '../../sandbox/paths';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { ensureSchedules, scheduledRescanInput, scheduleIdOf } from '../../worker/schedules';
import { scheduledRescanWorkflow } from '../../workflows';
import type { ScheduledRescanResult } from '../../workflows/rescan';
import type { PrivateCluster } from '../k8s/private-cluster';
import { clusterKubectl, startPrivateCluster } from '../k8s/private-cluster';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { FakeSlack } from '../support/fake-slack/server';
import type { StoredMessage } from '../support/fake-slack/server';
import { replayAndMaybeRecord } from '../support/histories';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testClient } from '../support/sandbox';

const exec = promisify(execFile);
const suffix = randomBytes(3).toString('hex');
const SERVICE = `rescan-web-${suffix}`;
const NAMESPACE = `rescan-${suffix}`;
const KEY = `rescan/dev/${SERVICE}`;
const IMAGE = 'ghcr.io/example/checkout-web:2.1.0';
const ADVISORIES = join(__dirname, '..', '..', 'sandbox', 'trivy', 'advisories');
const MINIMIST = join('ghsa', 'advisories', 'github-reviewed', '2022', '03', 'GHSA-xvch-5gv4-984h');

let cluster: PrivateCluster;
let fake: FakeSlack;
let config: AppConfig;
let worker: RunningWorker;
let client: Client;
let session: GatewaySession;
let dir = '';
let alerts = '';

/** A trivy DB built by the bootstrap's trivy-db from `src` (a vuln-list-shaped folder), into `<out>/trivy.db`. */
async function buildDb(src: string, out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  await exec(toolPath('trivy-db'), [
    'build',
    '--cache-dir',
    src,
    '--output-dir',
    out,
    '--update-interval',
    '87600h',
    '--only-update',
    'ghsa',
    '--only-update',
    'alpine',
    '--only-update',
    'nvd',
  ]);
}

/** The test's own cache folder now holds the `which` DB (what an update of the DB does: new files, same place). */
function useDb(which: 'before' | 'after'): void {
  for (const f of ['trivy.db', 'metadata.json']) copyFileSync(join(dir, which, f), join(dir, 'cache', 'db', f));
}

/** The blue colour of the service as a rollout leaves it: `<service>-blue`, the service's container and image. */
const blue = (replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `${SERVICE}-blue`,
      namespace: `${NAMESPACE}-dev`,
      labels: { app: SERVICE, 'infra-agent/colour': 'blue' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: SERVICE, 'infra-agent/colour': 'blue' } },
      template: {
        metadata: { labels: { app: SERVICE, 'infra-agent/colour': 'blue' } },
        spec: { containers: [{ name: SERVICE, image: IMAGE }] },
      },
    },
  });

let lastRun = '';
/** One scheduled rescan of dev, exactly as the Schedule starts it (same workflow, same input). */
async function scheduledRescan(): Promise<ScheduledRescanResult> {
  lastRun = `test-scheduled-rescan-${randomBytes(4).toString('hex')}`;
  return client.workflow.execute(scheduledRescanWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: lastRun,
    args: [scheduledRescanInput(config, 'dev')],
    workflowExecutionTimeout: '5m',
  });
}

const topLevel = (): StoredMessage[] => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(KEY));
const replies = (ts: string): StoredMessage[] => fake.messagesIn(alerts).filter((m) => m.threadTs === ts);

async function run(line: string, who: Requester): Promise<CommandResult> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return session.gateway.execute(parsed.command, who);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rescan-'));
  // Two DBs from the checked-in advisories: without the minimist advisory, and with every one (the sandbox's DB).
  cpSync(ADVISORIES, join(dir, 'src-before'), { recursive: true });
  rmSync(join(dir, 'src-before', MINIMIST), { recursive: true });
  await buildDb(join(dir, 'src-before'), join(dir, 'before'));
  cpSync(ADVISORIES, join(dir, 'src-after'), { recursive: true });
  await buildDb(join(dir, 'src-after'), join(dir, 'after'));
  mkdirSync(join(dir, 'cache', 'db'), { recursive: true });
  useDb('before');

  cluster = await startPrivateCluster(1);
  fake = await FakeSlack.start();
  const tc = rolloutTestConfig(
    cluster,
    { [SERVICE]: testServiceYaml({}, { image: 'ghcr.io/example/checkout-web', namespace: NAMESPACE }) },
    { dev: { kind: 'istio' } },
    { security: true },
  );
  const security = tc.config.security!;
  config = withFakeSlack(
    {
      ...tc.config,
      // Alerts, waivers and the audit trail of this test's own: no other test's waivers or alerts meet these.
      audit: { ...tc.config.audit, path: join(dir, 'state', 'audit.jsonl') },
      security: {
        ...security,
        trivy: { ...security.trivy, cacheDir: join(dir, 'cache') },
        rescan: { schedule: { dev: { everySeconds: 7 * 86400, jitterSeconds: 3600 } } },
      },
    },
    fake,
  );
  alerts = config.environments.dev.slack.alertsChannel!;
  worker = await startWorker(config);
  client = await testClient(config);
  session = await openGateway(config);
  const kube = clusterKubectl(cluster);
  await kube.run('create', 'namespace', `${NAMESPACE}-dev`);
  await kube.apply(blue(1));
}, 240_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(scheduleIdOf(config, 'rescan', 'dev'))
    .delete()
    .catch(() => undefined);
  await session?.close();
  await worker?.stop();
  await client?.connection.close();
  await fake?.stop();
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('scheduled rescans of the images running in an environment', () => {
  test('GIVEN a DB without the minimist advisory WHEN the rescan runs THEN the running image is scanned and nothing alerts', async () => {
    const r = await scheduledRescan();
    expect(r.services).toEqual([
      expect.objectContaining({
        service: SERVICE,
        namespace: `${NAMESPACE}-dev`,
        running: [{ colour: 'blue', image: IMAGE }],
        images: [expect.objectContaining({ image: IMAGE, critical: [], counts: 'no findings' })],
      }),
    ]);
    expect(r.services[0]!.images[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.alerts).toEqual([{ service: SERVICE, action: 'none', why: 'clean, and no alert is open' }]);
    expect(topLevel()).toEqual([]);
  });

  test('WHEN the DB learns CVE-2021-44906 (minimist, CRITICAL) THEN one on-call alert with Acknowledge/Snooze; the next run raises none', async () => {
    useDb('after');
    const first = await scheduledRescan();
    expect(first.alerts).toEqual([expect.objectContaining({ service: SERVICE, action: 'post', why: 'new finding' })]);
    const critical = first.services[0]!.images[0]!.critical;
    expect(critical.map((f) => [f.id, f.pkg, f.installed, f.fixed])).toEqual([
      ['CVE-2021-44906', 'minimist', '1.2.5', '0.2.4, 1.2.6'],
    ]);
    const posted = topLevel();
    expect(posted).toHaveLength(1);
    await replayAndMaybeRecord(client, lastRun, 'scheduled-rescan-alert-posted');
    expect(posted[0]!.text).toContain(`rescan alert ${KEY}`);
    expect(posted[0]!.text).toContain('1 CRITICAL in running images (CVE-2021-44906)');
    const body = JSON.stringify(posted[0]!.blocks);
    expect(body).toContain('CVE-2021-44906 CRITICAL minimist 1.2.5');
    expect(body).toContain(IMAGE);
    for (const label of ['Acknowledge', 'Snooze 1h', 'Snooze 1d', 'Snooze until changed'])
      expect(body).toContain(label);

    const again = await scheduledRescan();
    expect(again.alerts).toEqual([
      { service: SERVICE, action: 'none', why: expect.stringContaining('alerted already') as string },
    ]);
    expect(topLevel()).toHaveLength(1);

    // On call acknowledges it through the one dispatcher, like a drift alert.
    const listed = renderResult({ name: 'alerts' }, await run('alerts', person('bob')), 'bob').text;
    expect(listed).toContain(KEY);
    await run(`acknowledge alert ${KEY} because upgrading minimist in checkout-web`, person('bob'));
    expect((await scheduledRescan()).alerts[0]).toMatchObject({ action: 'none' });
    expect(topLevel()).toHaveLength(1);
  });

  test('WHEN an approver waives the CVE for the running digest THEN the next rescan resolves it; revoked, it alerts again; WHEN the image no longer runs THEN resolved', async () => {
    const granted = await run(
      `waive CVE-2021-44906 for ${IMAGE} in dev for 1d because minimist is only used by the build script here`,
      person('bob'),
    );
    if (granted.kind !== 'waiver') throw new Error(granted.kind);
    const waived = await scheduledRescan();
    expect(waived.alerts[0]).toMatchObject({ service: SERVICE, action: 'resolve' });
    expect(waived.services[0]!.images[0]).toMatchObject({
      critical: [],
      waived: [expect.stringMatching(/^CVE-2021-44906 CRITICAL waived by bob until \S+ \(wv-[0-9a-f]{10}\)/)],
    });
    const first = topLevel()[0]!.ts;
    expect(replies(first).some((m) => m.text.includes('resolved'))).toBe(true);
    await replayAndMaybeRecord(client, lastRun, 'scheduled-rescan-alert-resolved');

    await run(`unwaive ${granted.waiver.id}`, person('alice'));
    expect((await scheduledRescan()).alerts[0]).toMatchObject({
      action: 'post',
      why: 'found again after it was resolved',
    });
    expect(topLevel()).toHaveLength(2);

    await clusterKubectl(cluster).apply(blue(0));
    const gone = await scheduledRescan();
    expect(gone.services[0]!.running).toEqual([]);
    expect(gone.alerts[0]).toMatchObject({ service: SERVICE, action: 'resolve' });
    expect(replies(topLevel()[1]!.ts).some((m) => m.text.includes('resolved'))).toBe(true);
    expect((await scheduledRescan()).alerts[0]).toMatchObject({ action: 'none' });
  });

  test('WHEN a person types `rescan dev` THEN the same workflow runs now, answers with the scans and what the alert did, and raises the same on-call alert', async () => {
    await clusterKubectl(cluster).apply(blue(1));
    const before = topLevel().length;
    const r = await run('rescan dev', person('bob'));
    if (r.kind !== 'rescan') throw new Error(r.kind);
    expect(r.rescan.environment).toBe('dev');
    expect(r.rescan.services).toEqual([
      expect.objectContaining({ service: SERVICE, running: [{ colour: 'blue', image: IMAGE }] }),
    ]);
    expect(r.rescan.services[0]!.images[0]!.critical.map((f) => [f.id, f.pkg, f.installed, f.fixed])).toEqual([
      ['CVE-2021-44906', 'minimist', '1.2.5', '0.2.4, 1.2.6'],
    ]);
    expect(r.rescan.alerts).toEqual([
      expect.objectContaining({ service: SERVICE, action: 'post', why: 'found again after it was resolved' }),
    ]);
    expect(topLevel()).toHaveLength(before + 1);
    const text = renderResult({ name: 'rescan', env: 'dev' }, r, 'bob');
    expect(text.ok).toBe(false);
    expect(text.text.split('\n')[0]).toBe(
      `[dev] rescan of 1 running image (1 service): unwaived CRITICAL CVE-2021-44906; alerts: ${SERVICE} alert posted`,
    );
    expect(text.text).toContain(`${IMAGE} (blue) sha256:`);
    expect(text.text).toContain(
      'CVE-2021-44906 CRITICAL minimist 1.2.5 → 0.2.4, 1.2.6: Prototype Pollution in minimist',
    );
    const slack = renderSlackResult({ name: 'rescan', env: 'dev' }, r, alerts);
    expect(slack.text).toMatch(/^:rotating_light: \[dev\] rescan of 1 running image/);
    expect(JSON.stringify(slack.blocks)).toContain('CVE-2021-44906');

    // Typed again: the same alert, nothing new posted; the answer says why.
    const again = await run('rescan dev now', person('alice'));
    if (again.kind !== 'rescan') throw new Error(again.kind);
    expect(again.rescan.alerts[0]).toMatchObject({
      action: 'none',
      why: expect.stringContaining('alerted already') as string,
    });
    expect(topLevel()).toHaveLength(before + 1);
    expect(renderResult({ name: 'rescan', env: 'dev' }, again, 'alice').text).toContain(
      `${SERVICE} (${NAMESPACE}-dev): no alert change (`,
    );
    // A read for people in the user list (findings say how a service can be attacked).
    await expect(run('rescan dev', person('mallory'))).rejects.toThrow(/Scan results say how our services/);
  });

  test('GIVEN security.rescan.schedule.dev WHEN the worker starts THEN a Temporal Schedule `schedules` lists, paused and resumed by the usual commands', async () => {
    const id = scheduleIdOf(config, 'rescan', 'dev');
    expect(await ensureSchedules(client, config)).toEqual([{ scheduleId: id, environment: 'dev', result: 'created' }]);
    const d = await client.schedule.getHandle(id).describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledRescanWorkflow' });
    expect(d.spec.intervals?.[0]?.every).toBe(7 * 86_400_000);
    const args = (d.action as { args: { requester: Requester; services: unknown[] }[] }).args;
    expect(args[0]).toMatchObject({
      requester: { via: 'schedule', userId: 'schedule:rescan-dev' },
      services: [{ service: SERVICE, namespace: `${NAMESPACE}-dev` }],
    });
    expect(await run('pause schedule rescan dev', person('alice'))).toMatchObject({
      action: 'paused',
      schedules: [{ check: 'rescan', paused: true }],
    });
    const listed = renderResult({ name: 'schedules' }, await run('schedules', person('bob')), 'bob').text;
    expect(listed).toContain(`rescan dev (${id}): PAUSED, every 168h`);
    await expect(run('pause schedule rescan prd', person('alice'))).rejects.toThrow(
      'add security.rescan.schedule.prd (every, jitter)',
    );
    expect(session.gateway.parse('pause schedule virus dev')).toMatchObject({
      ok: false,
      error: expect.stringContaining('the scheduled checks are: drift, rescan') as string,
    });
  });
});

describe('rescan rules and config', () => {
  const image = (digest: string, ids: string[], error?: string) => ({
    image: IMAGE,
    digest,
    critical: ids.map((id) => ({
      source: 'trivy' as const,
      kind: 'vuln' as const,
      id,
      severity: 'CRITICAL' as const,
      title: 't',
      target: 'node-pkg',
    })),
    waived: [],
    criticalNotListed: 0,
    ...(error ? { error } : {}),
    scannedAt: '2026-12-05T00:00:00Z',
  });
  const service = (images: ReturnType<typeof image>[]): ServiceRescan => ({
    service: 'web',
    namespace: 'web-prd',
    running: [{ colour: 'blue', image: IMAGE }],
    images,
  });

  test('the fingerprint is the (digest, CVE) pairs: same pairs same alert, a rebuilt digest a new one; a failed scan leaves the alert', () => {
    const a = rescanFinding('prd', service([image('sha256:a', ['CVE-1', 'CVE-2'])]), 't');
    const b = rescanFinding('prd', service([image('sha256:a', ['CVE-2', 'CVE-1'])]), 't');
    const c = rescanFinding('prd', service([image('sha256:b', ['CVE-1', 'CVE-2'])]), 't');
    expect(a?.key).toBe('rescan/prd/web');
    expect(a?.fingerprint).toBeDefined();
    expect(a?.fingerprint).toBe(b?.fingerprint);
    expect(c?.fingerprint).not.toBe(a?.fingerprint);
    expect(rescanFinding('prd', service([image('sha256:a', [])]), 't')?.fingerprint).toBeUndefined();
    expect(rescanFinding('prd', service([image('sha256:a', ['CVE-1'], 'trivy failed')]), 't')).toBeUndefined();
    expect(rescanFinding('prd', { ...service([]), error: 'forbidden' }, 't')).toBeUndefined();
  });

  test('security.rescan.schedule is read like drift.schedule, and bad values name the setting', () => {
    const base = { trivy: { cacheDir: '/c' } };
    expect(
      readSecurityConfig({ ...base, rescan: { schedule: { prd: { every: '7d', jitter: '1h' } } } }).value?.rescan,
    ).toEqual({ schedule: { prd: { everySeconds: 604800, jitterSeconds: 3600 } } });
    expect(readSecurityConfig({ ...base, rescan: { schedule: { prd: { every: '1m' } } } }).issues).toEqual([
      { path: 'security.rescan.schedule.prd.every', problem: expect.stringContaining('at least 5m') as string },
    ]);
    expect(readSecurityConfig({ ...base, rescan: { weekly: true } }).issues).toEqual([
      { path: 'security.rescan.weekly', problem: 'unknown key; use schedule' },
    ]);
    const issues: string[] = [];
    readCheckSchedule({ qa: { every: '1h' } }, 'security.rescan.schedule', (p) => issues.push(p));
    expect(issues).toEqual(['security.rescan.schedule.qa']);
  });
});
