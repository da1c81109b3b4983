import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { IdleReport, IdleResource } from '../../core/cost/idle';
import { DEFAULT_IDLE_CONFIG } from '../../core/cost/idle';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker } from '../support/sandbox';
import { idleAws } from './idle-env';

const exec = promisify(execFile);

/**
 * `idle {env}` through the one dispatcher and a real worker: moto holds the AWS side (volumes, addresses, instances,
 * snapshots, load balancers, NAT gateways, CloudWatch metrics), a private control plane the Kubernetes side. Every
 * expected cost below is worked out here from the documented list prices, not by the product's code.
 */
let cluster: PrivateCluster;
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let aws: ReturnType<typeof idleAws>;
const tag = randomBytes(3).toString('hex');
const ids: Record<string, string> = {};

const kubectl = (...args: string[]) =>
  exec(cluster.kube.bin.kubectl, [
    '--kubeconfig',
    cluster.kube.kubeconfig,
    '--context',
    cluster.kube.contextName,
    ...args,
  ]);
const apply = (doc: unknown) =>
  new Promise<void>((resolve, reject) => {
    const child = execFile(
      cluster.kube.bin.kubectl,
      ['--kubeconfig', cluster.kube.kubeconfig, '--context', cluster.kube.contextName, 'apply', '-f', '-'],
      (e: Error | null) => (e ? reject(e) : resolve()),
    );
    child.stdin?.end(JSON.stringify(doc));
  });
const deployment = (name: string, app: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'payments-dev', labels: { app } },
  spec: {
    replicas,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: {
        containers: [
          { name: 'app', image: 'ghcr.io/example/app:1', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
        ],
      },
    },
  },
});

beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  const base = rolloutTestConfig(cluster, { 'payments-api': testServiceYaml({}, { namespace: 'payments' }) }).config;
  config = {
    ...base,
    idle: {
      ...DEFAULT_IDLE_CONFIG,
      // Moto stamps everything with today: age thresholds of 0 days let today's things count as old.
      thresholds: { stoppedInstanceDays: 0, snapshotAgeDays: 0, trafficDays: 7 },
    },
  };
  aws = idleAws(config);
  worker = await startWorker(config);
  session = await openGateway(config);

  ids.volume = await aws.volume('dev', `idle-vol-${tag}`, 100, 'gp3');
  ids.prdVolume = await aws.volume('prd', `prd-vol-${tag}`, 50, 'gp3');
  ids.address = await aws.address('dev', `idle-eip-${tag}`);
  ids.snapshot = await aws.snapshot(ids.volume, 'dev', `idle-snap-${tag}`);
  const net = await aws.network();
  ids.stopped = await aws.instance('dev', `idle-i-${tag}`, net.subnets[0] ?? '', true);
  const running = await aws.instance('dev', `busy-i-${tag}`, net.subnets[0] ?? '', false);
  await aws.loadBalancer('dev', `idle-lb-${tag}`, net.subnets);
  ids.idleLb = `idle-lb-${tag}`;
  const busyLb = await aws.loadBalancer('dev', `busy-lb-${tag}`, net.subnets);
  await aws.targets(net.vpcId, `busy-tg-${tag}`, busyLb.arn, running);
  await aws.metric('AWS/ApplicationELB', 'RequestCount', { Name: 'LoadBalancer', Value: busyLb.dimension }, 500);
  ids.idleNat = await aws.natGateway('dev', `idle-nat-${tag}`, net.subnets[0] ?? '');
  ids.busyNat = await aws.natGateway('dev', `busy-nat-${tag}`, net.subnets[1] ?? '');
  await aws.metric('AWS/NATGateway', 'BytesOutToDestination', { Name: 'NatGatewayId', Value: ids.busyNat }, 1e6);

  await kubectl('create', 'namespace', 'payments-dev');
  await apply(deployment('orphan-worker', 'orphan-worker', 0));
  // The blue/green standby colour of a catalog service: kept at 0 on purpose, never idle.
  await apply(deployment('payments-api-green', 'payments-api', 0));
  await apply(deployment('ledger', 'ledger', 2));
  await apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ledger', namespace: 'payments-dev' },
    spec: { selector: { app: 'ledger-v2' }, ports: [{ port: 80 }] },
  });
  // The ledger pods exist (kwok runs them) before idle looks, so "selects no pod" is about the selector.
  await eventually(async () => {
    const { stdout } = await kubectl('get', 'pods', '-n', 'payments-dev', '-l', 'app=ledger', '-o', 'name');
    return stdout.trim().split('\n').filter(Boolean).length === 2 ? true : undefined;
  }, 60_000);
}, 300_000);
afterAll(async () => {
  aws?.destroy();
  await session?.close();
  await worker?.stop();
  await cluster?.stop();
}, 60_000);

async function run(line: string, who: Requester = person('dave')): Promise<{ r: CommandResult; text: string }> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const requester = { ...who, requestId: randomBytes(6).toString('hex') };
  const r = await session.gateway.execute(parsed.command, requester);
  return { r, text: renderResult(parsed.command, r, who.userId).text };
}
const reportOf = (r: CommandResult): IdleReport => {
  if (r.kind !== 'idle') throw new Error(`expected an idle report, got ${r.kind}`);
  return r.report;
};
const find = (report: IdleReport, id: string): IdleResource | undefined => report.resources.find((x) => x.id === id);

describe('idle {env}: what costs money and does nothing', () => {
  let report: IdleReport;
  let text: string;
  beforeAll(async () => {
    const answer = await run('idle dev');
    report = reportOf(answer.r);
    text = answer.text;
  });

  it('finds the unattached volume, the unassociated Elastic IP, the old snapshot and the stopped instance, priced', () => {
    const r = report;
    expect(find(r, ids.volume ?? '')).toMatchObject({
      kind: 'volume',
      monthlyCost: 8, // 100 GiB gp3 × $0.08
      reapable: true,
      name: `idle-vol-${tag}`,
    });
    expect(find(r, ids.volume ?? '')?.evidence[0]).toMatch(/^state available: attached to nothing/);
    expect(find(r, ids.address ?? '')).toMatchObject({ kind: 'elastic-ip', monthlyCost: 3.6, reapable: true });
    expect(find(r, ids.snapshot ?? '')).toMatchObject({ kind: 'snapshot', monthlyCost: 5, reapable: true }); // 100 × $0.05
    const stopped = find(r, ids.stopped ?? '');
    expect(stopped).toMatchObject({ kind: 'stopped-instance', reapable: false });
    expect(stopped?.evidence[0]).toMatch(/^t3\.micro stopped since \d{4}-\d{2}-\d{2} \(0 days; threshold 0\)$/);
  });

  it('finds the load balancer with no targets and no requests, and the NAT gateway with no traffic; not the busy ones', () => {
    const lb = find(report, ids.idleLb ?? '');
    expect(lb).toMatchObject({ kind: 'load-balancer', monthlyCost: 16.2 });
    expect(lb?.evidence).toEqual([
      'no registered targets in 0 target group(s)',
      'no RequestCount datapoints in the last 7 days (CloudWatch records none without requests)',
    ]);
    expect(find(report, `busy-lb-${tag}`)).toBeUndefined();
    expect(find(report, ids.idleNat ?? '')).toMatchObject({ kind: 'nat-gateway', monthlyCost: 32.4 });
    expect(find(report, ids.busyNat ?? '')).toBeUndefined();
  });

  it("lists only the environment's resources: a volume tagged prd is not dev's", () => {
    expect(find(report, ids.prdVolume ?? '')).toBeUndefined();
  });

  it('finds Kubernetes Deployments at zero and the one its Service does not select, not the standby colour', () => {
    expect(find(report, 'payments-dev/orphan-worker')).toMatchObject({ kind: 'deployment', monthlyCost: 0 });
    expect(find(report, 'payments-dev/payments-api-green')).toBeUndefined();
    const ledger = find(report, 'payments-dev/ledger');
    // 2 × (0.25 vCPU × $24.82 + 0.5 GiB × $3.33) = 2 × (6.205 + 1.665) = 15.74
    expect(ledger).toMatchObject({ kind: 'deployment', monthlyCost: 15.74 });
    expect(ledger?.evidence[0]).toBe(
      'its Service ledger selects no pod (selector app=ledger-v2); its 2 pod(s) are labelled app=ledger: they get no traffic',
    );
    expect(report.unchecked).toEqual([]);
  });

  it('answers with the total and each resource, largest first', () => {
    const total = Math.round(report.resources.reduce((s, x) => s + x.monthlyCost, 0) * 100) / 100;
    expect(report.totalMonthlyCost).toBe(total);
    const costs = report.resources.map((x) => x.monthlyCost);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\d+ idle resource\\(s\\) in DEV, about \\$[\\d,.]+/month`));
    expect(lines).toContain(`$8.00/month  EBS volume ${ids.volume} (idle-vol-${tag}) [reapable in dev]`);
    expect(lines).toContain('    estimate: 100 GiB gp3 × $0.08/GiB-month');
  });

  it('bad input: an unknown environment is refused by the grammar with what is allowed', () => {
    const parsed = session.gateway.parse('idle qa');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain("'qa' is not an environment; use one of dev, tst, prd");
  });
});
