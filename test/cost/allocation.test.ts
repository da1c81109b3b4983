import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeLine } from '../../cli/execute';
import type { AllocationReportResult, CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import { down, up } from '../../sandbox/manager';
import { opencostService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities } from '../../worker/compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { clusterKubectl, startPrivateCluster } from '../k8s/private-cluster';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import { eventBody, postSigned } from '../support/fake-slack/signed';
import { replayAndMaybeRecord } from '../support/histories';
import { deployment, runningPodsOf } from '../support/opencost';
import type { RunningPod } from '../support/opencost';
import { freePort } from '../support/ports';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testClient } from '../support/sandbox';

/**
 * `cost by namespace|workload {env} [period]` through the one dispatcher and a real worker, against the sandbox's
 * OpenCost stand-in over a private control plane with kwok nodes. The expected costs are worked out here from the
 * pods' start times (read from the apiserver), their requests and the configured prices.
 */
let cluster: PrivateCluster;
let settings: SandboxSettings;
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let fake: FakeSlack;
let shop: RunningPod[];
let batch: RunningPod[];
const PRICES = { cpuCoreHour: 50, ramGiBHour: 10 };
const usd = (n: number): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(n);

/** A PNG's size from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Cost of pods with these requests from their start to `endMs`, at the test's prices. */
function expectedCost(pods: readonly RunningPod[], cores: number, gib: number, endMs: number) {
  const hours = pods.reduce((a, p) => a + (endMs - Date.parse(p.status.startTime!)) / 3_600_000, 0);
  return { cpu: cores * hours * PRICES.cpuCoreHour, ram: gib * hours * PRICES.ramGiBHour };
}

beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  settings = { ...cluster.sandbox, opencostPort: await freePort(), opencostPrices: PRICES };
  await up(settings, [opencostService(settings, cluster.kube)], () => undefined);
  fake = await FakeSlack.start();
  const base = rolloutTestConfig(cluster, { 'payments-api': testServiceYaml({}, { namespace: 'payments' }) }).config;
  config = withFakeSlack(
    {
      ...base,
      cost: {
        ...base.cost!,
        allocation: {
          dev: `http://${settings.host}:${settings.opencostPort}`,
          // Nothing listens there: the unreachable case.
          tst: `http://127.0.0.1:${await freePort()}`,
        },
      },
    },
    fake,
  );
  worker = await startWorker(config);
  session = await openGateway(config);
  const kubectl = clusterKubectl(cluster);
  for (const ns of ['shop-dev', 'batch-dev', 'shop-prd']) await kubectl.run('create', 'namespace', ns);
  await kubectl.apply(
    JSON.stringify(deployment('shop-dev', 'web', 2, { cpu: '500m', memory: '1Gi' }, { cpu: '400m', memory: '512Mi' })),
  );
  await kubectl.apply(JSON.stringify(deployment('batch-dev', 'etl', 1, { cpu: '2', memory: '4Gi' })));
  // Another environment's namespace on the same cluster: not dev's cost.
  await kubectl.apply(JSON.stringify(deployment('shop-prd', 'web', 3, { cpu: '1', memory: '1Gi' })));
  shop = await runningPodsOf(cluster, 'shop-dev', 'web', 2);
  batch = await runningPodsOf(cluster, 'batch-dev', 'etl', 1);
  await runningPodsOf(cluster, 'shop-prd', 'web', 3);
  // A window ends at the gateway's second (floored): a pod that started within that very second has run no whole
  // second of it and has no row yet. Ask only once the last pod has run a couple of seconds.
  const lastStart = Math.max(...[...shop, ...batch].map((p) => Date.parse(p.status.startTime!)));
  await new Promise((r) => setTimeout(r, Math.max(0, lastStart + 2000 - Date.now())));
}, 300_000);
afterAll(async () => {
  await session?.close();
  await worker?.stop();
  await fake?.stop();
  if (settings) await down(settings, [opencostService(settings, cluster.kube)], () => undefined);
  await cluster?.stop();
}, 60_000);

async function run(
  line: string,
  who: Requester = person('dave'),
): Promise<{ r: CommandResult; text: string; requestId: string }> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const requestId = randomBytes(6).toString('hex');
  const r = await session.gateway.execute(parsed.command, { ...who, requestId });
  return { r, text: renderResult(parsed.command, r, who.userId).text, requestId };
}
const allocationOf = (r: CommandResult): AllocationReportResult => {
  if (r.kind !== 'allocation') throw new Error(`expected an allocation result, got ${r.kind}`);
  return r.allocation;
};

describe('Kubernetes cost allocation (OpenCost) by namespace and by workload', () => {
  it('cost by namespace dev 7d: cpuCost and ramCost from the running pods × prices, only dev namespaces, a chart', async () => {
    const { r, text, requestId } = await run('cost by namespace dev 7d');
    await replayAndMaybeRecord(await testClient(config), `cost-allocation/dev/${requestId}`, 'cost-allocation');
    const a = allocationOf(r);
    const endMs = Date.parse(a.report.window.end);
    expect(endMs % 1000).toBe(0);
    expect(endMs - Date.parse(a.report.window.start)).toBe(7 * 86_400_000);
    expect(a.report.rows.map((x) => x.name).sort()).toEqual(['batch-dev', 'shop-dev']);
    // The window ends at the gateway's second: pods started after it have cost nothing in it.
    const inWindow = (pods: RunningPod[]) => pods.filter((p) => Date.parse(p.status.startTime!) < endMs);
    const web = expectedCost(inWindow(shop), 0.5, 1, endMs);
    const etl = expectedCost(inWindow(batch), 2, 4, endMs);
    const row = (name: string) => a.report.rows.find((x) => x.name === name)!;
    expect(row('shop-dev').cpuCost).toBeCloseTo(web.cpu, 3);
    expect(row('shop-dev').ramCost).toBeCloseTo(web.ram, 3);
    expect(row('batch-dev').cpuCost).toBeCloseTo(etl.cpu, 3);
    expect(row('batch-dev').ramCost).toBeCloseTo(etl.ram, 3);
    expect(a.report.totalCost).toBeCloseTo(web.cpu + web.ram + etl.cpu + etl.ram, 3);
    if (inWindow(shop).length > 0) {
      expect(row('shop-dev').cpuEfficiency).toBeCloseTo(0.8, 4);
      expect(row('shop-dev').ramEfficiency).toBeCloseTo(0.5, 4);
    }
    expect(text.split('\n')[0]).toContain('DEV Kubernetes cost by namespace, last 7 days');
    expect(text).toContain(`efficiency CPU 80%, RAM 50%`);
    expect(text).toMatch(/\n {2}shop-dev {2}/);
    expect(text).not.toContain('shop-prd');
    expect(a.chart).toBeDefined();
    expect(pngSize(Buffer.from(a.chart!.pngBase64, 'base64'))).toEqual({ width: 1000, height: 500 });
    expect(a.chart!.fileName).toBe(`cost-by-namespace-dev-7d-${a.report.window.end.slice(0, 10)}.png`);
  });

  it('cost by workload dev: one row per Deployment (OpenCost controller), namespace shown', async () => {
    const { r, text } = await run('cost by workload dev');
    const a = allocationOf(r);
    expect(a.report.period).toBe('30d');
    // shop-prd has a Deployment named web too: workloads are namespace/controller, so they stay apart.
    expect(a.report.rows.map((x) => x.name).sort()).toEqual(['batch-dev/deployment:etl', 'shop-dev/deployment:web']);
    expect(a.report.rows.find((x) => x.name === 'shop-dev/deployment:web')?.namespace).toBe('shop-dev');
    expect(text).toMatch(/\n {2}batch-dev\/deployment:etl {2}/);
  });

  it('the terminal writes the chart to a file and prints its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alloc-chart-'));
    const lines: string[] = [];
    const code = await executeLine(
      session,
      { ...person('dave'), requestId: randomBytes(6).toString('hex') },
      'cost by namespace dev 7d',
      { out: (t) => lines.push(t), err: (t) => lines.push(`ERR ${t}`) },
      { chartDir: dir },
    );
    expect(code).toBe(0);
    const out = lines.join('\n');
    const m = /chart \(1000×500 PNG\) written to (\S+)/.exec(out);
    expect(m?.[1]).toMatch(/cost-by-namespace-dev-7d-\d{4}-\d{2}-\d{2}\.png$/);
    expect(pngSize(readFileSync(m![1]!))).toEqual({ width: 1000, height: 500 });
  });

  it('bad input: unreachable API (names the URL and what to check), no API configured, unknown env, bad window', async () => {
    const tst = config.cost!.allocation!.tst!;
    await expect(run('cost by namespace tst 7d')).rejects.toThrow(
      new RegExp(
        `Kubernetes cost allocation API of tst at ${tst.replace(/[.]/g, '\\.')} did not answer \\(ECONNREFUSED`,
      ),
    );
    await expect(run('cost by namespace tst 7d')).rejects.toThrow(/config cost\.allocation\.tst.*sandbox -- status/);
    await expect(run('cost by workload prd')).rejects.toThrow(
      /prd has no Kubernetes cost allocation API: set cost\.allocation\.prd in the config/,
    );
    expect(session.gateway.parse('cost by namespace qa')).toMatchObject({
      ok: false,
      error: expect.stringContaining("'qa' is not an environment; use one of dev, tst, prd"),
    });
    expect(session.gateway.parse('cost by namespace dev 1y')).toMatchObject({
      ok: false,
      error: expect.stringContaining("'1y' is not a period; use 7d"),
    });
  });

  it('an empty window: nothing ran in the namespaces → says so, no chart', async () => {
    const own = { ...config, environments: { ...config.environments } };
    const dev = own.environments.dev;
    if (!dev) throw new Error('the test config has no dev');
    // A suffix no namespace has: OpenCost answers, nothing is dev's.
    own.environments.dev = { ...dev, cluster: { ...dev.cluster!, namespaceSuffix: '-nothing-here' } };
    const ownSession = await openGateway(own);
    try {
      const parsed = ownSession.gateway.parse('cost by namespace dev 7d');
      if (!parsed.ok) throw new Error(parsed.error);
      const r = await ownSession.gateway.execute(parsed.command, {
        ...person('dave'),
        requestId: randomBytes(6).toString('hex'),
      });
      const a = allocationOf(r);
      expect(a.report.rows).toEqual([]);
      expect(a.chart).toBeUndefined();
      const text = renderResult(parsed.command, r, 'dave').text;
      expect(text).toContain(`Nothing ran in dev's namespaces in this window`);
      expect(text).toContain(usd(0));
    } finally {
      await ownSession.close();
    }
  });

  it('a chart that cannot be drawn does not cost the numbers', async () => {
    const broken = await startWorker(config, {
      ...composeActivities(config),
      renderAllocationChart: () => Promise.reject(new Error('chart font /nonexistent.ttf does not exist')),
    });
    // Two workers poll the queue: run until the broken one answered (the good one may take the first).
    try {
      let text = '';
      for (let i = 0; i < 10 && !text.includes('(no chart:'); i++) text = (await run('cost by namespace dev 7d')).text;
      expect(text).toContain('(no chart: chart font /nonexistent.ttf does not exist)');
      expect(text).toContain('shop-dev');
    } finally {
      await broken.stop();
    }
  });
});

describe('cost by namespace in Slack', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await startBot(config);
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
  }, 30_000);

  it('@infra-agent cost by namespace dev 7d: the numbers in the thread, the chart uploaded into it (files.uploadV2)', async () => {
    const channel = 'C0ALLOC01';
    const ts = '1700009100.000100';
    const res = await postSigned(
      bot.url,
      SIGNING_SECRET,
      eventBody(
        { userId: 'U0ALICE01', teamId: 'T0SANDBOX' },
        { type: 'app_mention', channel, ts, text: '<@U0INFRABOT> cost by namespace dev 7d' },
      ),
      'application/json',
    );
    expect(res.status).toBe(200);
    const completed = await poll(
      () => fake.callsOf('files.completeUploadExternal').find((c) => c.args.channel_id === channel),
      60_000,
      'the chart upload to complete',
    );
    const answer = fake.messagesIn(channel).find((m) => m.threadTs === ts);
    expect(answer?.text).toContain('DEV Kubernetes cost by namespace, last 7 days');
    expect(JSON.stringify(answer)).toContain('shop-dev');
    expect(completed.args.thread_ts).toBe(ts);
    const files = JSON.parse(String(completed.args.files)) as { id: string; title: string }[];
    expect(files).toHaveLength(1);
    expect(files[0]?.title).toBe('DEV Kubernetes cost by namespace');
    const got = fake
      .callsOf('files.getUploadURLExternal')
      .find((c) => /^cost-by-namespace-dev-7d-.*\.png$/.test(String(c.args.filename)));
    expect(got).toBeDefined();
    const upload = fake.callsOf('file_upload').find((c) => c.args._id === files[0]!.id);
    const png = Buffer.from(String(upload?.args.contentBase64), 'base64');
    expect(png.length).toBe(Number(got!.args.length));
    expect(pngSize(png)).toEqual({ width: 1000, height: 500 });
  }, 90_000);
});
