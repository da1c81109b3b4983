import { down, status, up } from '../../sandbox/manager';
import { opencostService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import type { PrivateCluster } from '../k8s/private-cluster';
import { clusterKubectl, startPrivateCluster } from '../k8s/private-cluster';
import { deployment, runningPodsOf } from '../support/opencost';
import { freePort } from '../support/ports';
import { eventually } from '../support/sandbox';

/**
 * The sandbox's OpenCost stand-in against a private control plane with kwok nodes: Deployments with known requests,
 * and every expected cost worked out here from the pods' start times (read from the apiserver), the requests and the
 * configured prices — not by the server's code.
 */
let cluster: PrivateCluster;
let settings: SandboxSettings;
let url: string;
// Prices far above list prices: the pods run for seconds, and the costs must stay well above OpenCost's rounding.
const PRICES = { cpuCoreHour: 50, ramGiBHour: 10 };

const kubectl = (...args: string[]) => clusterKubectl(cluster).run(...args);
const apply = (doc: unknown) => clusterKubectl(cluster).apply(JSON.stringify(doc));
const runningPods = (namespace: string, app: string, n: number) => runningPodsOf(cluster, namespace, app, n);

type Alloc = Record<string, number | null | Record<string, string>> & {
  name: string;
  properties: Record<string, string>;
};
async function allocation(
  query: string,
): Promise<{ status: number; body: { code: number; data: Alloc[]; message?: string } }> {
  const res = await fetch(`${url}/allocation/compute?${query}`);
  return { status: res.status, body: (await res.json()) as { code: number; data: Alloc[]; message?: string } };
}

const GIB = 1024 ** 3;
const hoursBetween = (fromIso: string, toMs: number): number => (toMs - Date.parse(fromIso)) / 3_600_000;

beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  settings = { ...cluster.sandbox, opencostPort: await freePort(), opencostPrices: PRICES };
  await up(settings, [opencostService(settings, cluster.kube)], () => undefined);
  url = `http://${settings.host}:${settings.opencostPort}`;
  await kubectl('create', 'namespace', 'shop-dev');
  await kubectl('create', 'namespace', 'batch-dev');
}, 240_000);
afterAll(async () => {
  if (settings) await down(settings, [opencostService(settings, cluster.kube)], () => undefined);
  await cluster?.stop();
}, 60_000);

describe('the OpenCost stand-in', () => {
  it('answers /healthz once it has listed the cluster, and runs as a sandbox service (status, down)', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const [row] = await status(settings, [opencostService(settings, cluster.kube)]);
    expect(row).toMatchObject({ name: 'opencost', state: 'healthy', url });
    // `up` again leaves the running one alone.
    const lines: string[] = [];
    await up(settings, [opencostService(settings, cluster.kube)], (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/opencost +already running/);
  });

  it('cpuCost and ramCost are requests × minutes run in the window × the configured prices, per namespace and per workload', async () => {
    await apply(deployment('shop-dev', 'web', 2, { cpu: '500m', memory: '1Gi' }, { cpu: '250m', memory: '256Mi' }));
    await apply(deployment('batch-dev', 'worker', 1, { cpu: '2', memory: '512Mi' }));
    const web = await runningPods('shop-dev', 'web', 2);
    const worker = await runningPods('batch-dev', 'worker', 1);
    // The window ends at a fixed time after every pod started, so the expected minutes do not move.
    const endMs = Date.now();
    const startMs = endMs - 3_600_000;
    const window = `${new Date(startMs).toISOString()},${new Date(endMs).toISOString()}`;
    const { status, body } = await allocation(
      `window=${encodeURIComponent(window)}&aggregate=namespace&accumulate=true`,
    );
    expect(status).toBe(200);
    expect(body.code).toBe(200);
    expect(body.data).toHaveLength(1);
    const set = body.data[0] as unknown as Record<string, Alloc>;

    const webHours = web.reduce((a, p) => a + hoursBetween(p.status.startTime!, endMs), 0);
    const shop = set['shop-dev']!;
    expect(shop.name).toBe('shop-dev');
    expect(shop.properties).toMatchObject({ cluster: 'sandbox', namespace: 'shop-dev', controller: 'web' });
    expect(shop.properties.controllerKind).toBe('deployment');
    expect(shop.cpuCoreHours).toBeCloseTo(0.5 * webHours, 4);
    expect(shop.cpuCost).toBeCloseTo(0.5 * webHours * PRICES.cpuCoreHour, 4);
    expect(shop.ramByteHours as number).toBeCloseTo(GIB * webHours, -3);
    expect(shop.ramCost).toBeCloseTo(1 * webHours * PRICES.ramGiBHour, 4);
    expect(shop.totalCost).toBeCloseTo((shop.cpuCost as number) + (shop.ramCost as number), 4);
    // kwok's simulated usage (250m of 500m, 256Mi of 1Gi): efficiencies 0.5 and 0.25, total weighted by cost.
    expect(shop.cpuEfficiency).toBeCloseTo(0.5, 4);
    expect(shop.ramEfficiency).toBeCloseTo(0.25, 4);
    const cpu = 0.5 * PRICES.cpuCoreHour;
    const ram = 1 * PRICES.ramGiBHour;
    expect(shop.totalEfficiency).toBeCloseTo((0.5 * cpu + 0.25 * ram) / (cpu + ram), 4);
    for (const k of ['pvCost', 'networkCost', 'loadBalancerCost'] as const) expect(shop[k]).toBe(0);
    expect(shop.window).toEqual({
      start: new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      end: new Date(endMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });

    const batch = set['batch-dev']!;
    const workerHours = hoursBetween(worker[0]!.status.startTime!, endMs);
    expect(batch.cpuCost).toBeCloseTo(2 * workerHours * PRICES.cpuCoreHour, 4);
    expect(batch.ramCost).toBeCloseTo(0.5 * workerHours * PRICES.ramGiBHour, 4);
    expect(batch.cpuCoreRequestAverage).toBeCloseTo(2, 4);
    // No usage annotation: kwok's default usage (1m, 1Mi).
    expect(batch.cpuEfficiency).toBeCloseTo(0.001 / 2, 5);

    const byWorkload = await allocation(`window=${encodeURIComponent(window)}&aggregate=controller&accumulate=true`);
    const wl = byWorkload.body.data[0] as unknown as Record<string, Alloc>;
    expect(wl['deployment:web']?.cpuCost).toBeCloseTo(shop.cpuCost as number, 5);
    expect(wl['deployment:worker']?.properties).toMatchObject({ namespace: 'batch-dev', controller: 'worker' });

    const multi = await allocation(
      `window=${encodeURIComponent(window)}&aggregate=${encodeURIComponent('namespace,controller')}&accumulate=true`,
    );
    const ns = multi.body.data[0] as unknown as Record<string, Alloc>;
    expect(Object.keys(ns).sort()).toEqual(['batch-dev/deployment:worker', 'shop-dev/deployment:web']);
    expect(ns['shop-dev/deployment:web']?.cpuCost).toBeCloseTo(shop.cpuCost as number, 5);

    const byPod = await allocation(`window=${encodeURIComponent(window)}&aggregate=pod&accumulate=true`);
    const pods = byPod.body.data[0] as unknown as Record<string, Alloc>;
    for (const p of web) {
      const h = hoursBetween(p.status.startTime!, endMs);
      expect(pods[p.metadata.name]?.cpuCost).toBeCloseTo(0.5 * h * PRICES.cpuCoreHour, 4);
    }
  }, 180_000);

  it('a deleted pod keeps the minutes it ran; steps split the window into sets', async () => {
    await apply(deployment('batch-dev', 'short', 1, { cpu: '1', memory: '1Gi' }));
    const [pod] = await runningPods('batch-dev', 'short', 1);
    const before = Date.now();
    await kubectl('scale', 'deployment', 'short', '-n', 'batch-dev', '--replicas=0');
    await eventually(async () => {
      const { stdout } = await kubectl('get', 'pods', '-n', 'batch-dev', '-l', 'app=short', '-o', 'name');
      if (stdout.trim()) throw new Error(`still there: ${stdout}`);
      return true;
    }, 60_000);
    const after = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const endMs = Date.now();
    const window = `${new Date(endMs - 3_600_000).toISOString()},${new Date(endMs).toISOString()}`;
    const { body } = await allocation(`window=${encodeURIComponent(window)}&aggregate=controller&accumulate=true`);
    const gone = (body.data[0] as unknown as Record<string, Alloc>)['deployment:short']!;
    expect(gone).toBeDefined();
    const started = Date.parse(pod!.status.startTime!);
    expect(gone.cpuCoreHours as number).toBeGreaterThanOrEqual((before - started) / 3_600_000 - 1e-4);
    expect(gone.cpuCoreHours as number).toBeLessThanOrEqual((after - started) / 3_600_000 + 1e-4);
    expect(gone.cpuCost).toBeCloseTo((gone.cpuCoreHours as number) * PRICES.cpuCoreHour, 3);

    const stepped = await allocation(`window=${encodeURIComponent(window)}&aggregate=namespace&step=30m`);
    expect(stepped.body.data).toHaveLength(2);
    const [first, second] = stepped.body.data as unknown as Record<string, Alloc>[];
    expect(Object.keys(first!)).toEqual([]);
    expect(second!['shop-dev']?.window).toMatchObject({
      start: new Date(endMs - 1_800_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }, 180_000);

  it('bad queries are refused with 400 and what is accepted; a window with nothing running is an empty set', async () => {
    const noWindow = await allocation('aggregate=namespace');
    expect(noWindow).toMatchObject({ status: 400, body: { code: 400, message: 'Missing window parameter' } });
    const badWindow = await allocation('window=lastyear&aggregate=namespace');
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.message).toContain("invalid window 'lastyear'");
    const badAggregate = await allocation('window=1d&aggregate=team');
    expect(badAggregate.status).toBe(400);
    expect(badAggregate.body.message).toContain("Invalid aggregate 'team'");
    const empty = await allocation(
      `window=${encodeURIComponent('2020-01-01T00:00:00Z,2020-01-02T00:00:00Z')}&aggregate=namespace&accumulate=true`,
    );
    expect(empty.body).toEqual({ code: 200, data: [{}] });
  });
});
