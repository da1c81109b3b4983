import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RolloutDeps } from '../../activities/rollout/deps';
import { readAlbTraffic, setAlbTraffic } from '../../activities/rollout/alb';
import { measureCloudWatch } from '../../activities/rollout/analysis-cloudwatch';
import { measureHttp } from '../../activities/rollout/analysis-http';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { AppConfig } from '../../core/config';
import type { AnalyseInput, AnalysisSpec, ServiceTarget, TrafficSpec } from '../../core/rollout/types';
import { seedRolloutLoadBalancers } from '../../sandbox/aws-seed';
import { testConfig } from '../support/sandbox';

type Alb = Extract<TrafficSpec, { kind: 'alb' }>;
type CloudWatchSpec = Extract<AnalysisSpec, { provider: 'cloudwatch' }>;
type HttpSpec = Extract<AnalysisSpec, { provider: 'http' }>;

/**
 * The AWS side of blue/green rollouts against the test sandbox's real moto endpoint (with our ELBv2 fixes):
 * seeding the PRD load balancers, reading and shifting ALB weights, CloudWatch analysis; plus the HTTP probe
 * against a local server. Each run uses a fresh service name, so it never meets another test's load balancer.
 */
describe('rollout AWS activities: ALB traffic, CloudWatch and HTTP analysis', () => {
  const service = `aws-${randomBytes(3).toString('hex')}`; // <= 22 chars: `${service}-prd-green` fits 32
  let config: AppConfig;
  let deps: RolloutDeps;
  let elb: ElasticLoadBalancingV2Client;
  let alb: Alb;
  const target = (): ServiceTarget => ({ environment: 'prd', service, namespace: 'payments-prd' });

  beforeAll(() => {
    const base = testConfig();
    const payments = base.services['payments-api']!;
    config = { ...base, services: { [service]: { ...payments, name: service } } };
    const traffic = config.environments.prd.cluster?.traffic;
    if (traffic?.kind !== 'alb') throw new Error('config/sandbox.yaml: environments.prd.cluster.traffic should be alb');
    alb = traffic;
    deps = {
      run: createRunCommand(),
      kubectlBin: config.tools.kubectl,
      kubeconfig: '',
      environments: config.environments,
      aws: createAwsClientFactory(config.aws),
    };
    elb = new ElasticLoadBalancingV2Client({
      region: config.environments.prd.region,
      endpoint: config.aws.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  });
  afterAll(() => elb?.destroy());

  /** The listener's forward weights by target group name, read with the plain SDK. */
  const listenerWeights = async (): Promise<Record<string, number>> => {
    const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [`${service}-prd`] }))).LoadBalancers?.[0];
    const listener = (
      await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))
    ).Listeners?.find((l) => l.Port === alb.listenerPort);
    const out: Record<string, number> = {};
    for (const g of listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? []) {
      out[g.TargetGroupArn!.split('/')[1]!] = g.Weight!;
    }
    return out;
  };

  describe('sandbox seeding and ALB weights', () => {
    test('seeding is idempotent: two runs leave one load balancer, two target groups, one listener at blue 100', async () => {
      const first = await seedRolloutLoadBalancers(config, deps.aws);
      const second = await seedRolloutLoadBalancers(config, deps.aws);
      const mine = (r: typeof first) => r.find((s) => s.service === service && s.environment === 'prd');
      expect(mine(first)?.created).toEqual([
        `load balancer ${service}-prd`,
        `target group ${service}-prd-blue`,
        `target group ${service}-prd-green`,
        `listener :${alb.listenerPort}`,
      ]);
      expect(mine(second)?.created).toEqual([]);
      // Only prd routes through an ALB in the seed; dev and tst use Istio.
      expect(first.map((s) => s.environment)).toEqual(['prd']);

      const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      const named = lbs.filter((l) => l.LoadBalancerName === `${service}-prd`);
      expect(named).toHaveLength(1);
      expect(named[0]).toMatchObject({ Type: 'application', Scheme: 'internal' });
      const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: named[0]!.LoadBalancerArn })))
        .Listeners;
      expect(listeners).toHaveLength(1);
      const tgs = (
        await elb.send(new DescribeTargetGroupsCommand({ Names: [`${service}-prd-blue`, `${service}-prd-green`] }))
      ).TargetGroups;
      expect(tgs?.map((t) => [t.Protocol, t.Port, t.TargetType])).toEqual([
        ['HTTP', 8080, 'ip'],
        ['HTTP', 8080, 'ip'],
      ]);
      expect(await listenerWeights()).toEqual({ [`${service}-prd-blue`]: 100, [`${service}-prd-green`]: 0 });
    });

    test('seeders racing each other still end with one load balancer and one listener', async () => {
      const racing = `${service}-r`;
      const cfg = { ...config, services: { [racing]: { ...config.services[service]!, name: racing } } };
      await Promise.all([1, 2, 3].map(() => seedRolloutLoadBalancers(cfg, deps.aws)));
      // Listed unfiltered: a lookup by name would show one load balancer even if there were several.
      const all = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      const lbs = all.filter((l) => l.LoadBalancerName === `${racing}-prd`);
      expect(lbs).toHaveLength(1);
      const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbs[0]!.LoadBalancerArn })))
        .Listeners;
      expect(listeners).toHaveLength(1);
    });

    test('readAlbTraffic reads the seeded listener as blue 100', async () => {
      await expect(readAlbTraffic(deps, target(), alb)).resolves.toEqual({
        exists: true,
        weights: { blue: 100, green: 0 },
      });
    });

    test('setAlbTraffic 90/10 moves the listener weights (seen through DescribeListeners); the same split again changes nothing', async () => {
      const set = await setAlbTraffic(
        deps,
        { target: target(), traffic: alb, weights: { blue: 90, green: 10 }, operationId: 'op-1' },
        alb,
      );
      expect(set).toEqual({ changed: true, previous: { blue: 100, green: 0 } });
      expect(await listenerWeights()).toEqual({ [`${service}-prd-blue`]: 90, [`${service}-prd-green`]: 10 });
      await expect(readAlbTraffic(deps, target(), alb)).resolves.toEqual({
        exists: true,
        weights: { blue: 90, green: 10 },
      });

      const again = await setAlbTraffic(
        deps,
        { target: target(), traffic: alb, weights: { blue: 90, green: 10 }, operationId: 'op-1' },
        alb,
      );
      expect(again).toEqual({ changed: false, previous: { blue: 90, green: 10 } });

      const full = await setAlbTraffic(
        deps,
        { target: target(), traffic: alb, weights: { blue: 0, green: 100 }, operationId: 'op-1' },
        alb,
      );
      expect(full).toEqual({ changed: true, previous: { blue: 90, green: 10 } });
      // 0 stays in the forward config: the idle colour remains attached, ready for the next rollout.
      expect(await listenerWeights()).toEqual({ [`${service}-prd-blue`]: 0, [`${service}-prd-green`]: 100 });
    });

    test('a plain forward to one target group reads as that colour 100%', async () => {
      const blueArn = (await elb.send(new DescribeTargetGroupsCommand({ Names: [`${service}-prd-blue`] })))
        .TargetGroups![0]!.TargetGroupArn!;
      const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: [`${service}-prd`] }))).LoadBalancers![0]!;
      const listener = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn })))
        .Listeners![0]!;
      await elb.send(
        new ModifyListenerCommand({
          ListenerArn: listener.ListenerArn,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: blueArn }],
        }),
      );
      await expect(readAlbTraffic(deps, target(), alb)).resolves.toEqual({
        exists: true,
        weights: { blue: 100, green: 0 },
      });
    });

    test('weights that are not whole percents adding up to 100 are refused before AWS is touched', async () => {
      for (const weights of [
        { blue: 60, green: 60 },
        { blue: 110, green: -10 },
        { blue: 50.5, green: 49.5 },
      ]) {
        await expect(
          setAlbTraffic(deps, { target: target(), traffic: alb, weights, operationId: 'op-2' }, alb),
        ).rejects.toMatchObject({
          name: 'InvalidInput',
          message: expect.stringMatching(/^weights: blue .* add up to 100/),
        });
      }
      expect(await listenerWeights()).toEqual({}); // still the plain forward of the previous test
    });

    test('a missing load balancer, listener or target group is InvalidInput naming what to create', async () => {
      const missingLb: Alb = { ...alb, loadBalancerName: '{service}-{env}-none' };
      await expect(readAlbTraffic(deps, target(), missingLb)).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining(
          `load balancer '${service}-prd-none' does not exist in us-east-1 (environment prd, service ${service}); ` +
            `create an application load balancer '${service}-prd-none' with a listener on port 80 whose default ` +
            `action forwards to target groups '${service}-prd-blue' and '${service}-prd-green'`,
        ),
      });
      await expect(
        setAlbTraffic(
          deps,
          { target: target(), traffic: missingLb, weights: { blue: 50, green: 50 }, operationId: 'op-3' },
          missingLb,
        ),
      ).rejects.toMatchObject({ name: 'InvalidInput' });

      const otherPort: Alb = { ...alb, listenerPort: 8443 };
      await expect(readAlbTraffic(deps, target(), otherPort)).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining(
          `load balancer '${service}-prd' has no listener on port 8443 (it listens on 80); add a listener on port 8443`,
        ),
      });

      const otherTg: Alb = { ...alb, targetGroupName: '{service}-{colour}-x' };
      await expect(readAlbTraffic(deps, target(), otherTg)).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining(
          `target group '${service}-blue-x' (the blue colour) does not exist in us-east-1`,
        ),
      });

      const tooLong: Alb = { ...alb, targetGroupName: '{service}-{env}-{colour}-with-a-long-suffix' };
      await expect(readAlbTraffic(deps, target(), tooLong)).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining('environments.prd.cluster.traffic.targetGroupName'),
      });
    });
  });

  describe('measureCloudWatch (metrics seeded with PutMetricData)', () => {
    const spec: CloudWatchSpec = {
      provider: 'cloudwatch',
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensions: { TargetGroup: '{service}-{env}-{colour}' },
      statistic: 'Sum',
      max: 5,
    };
    let windowStart: string;
    let windowEnd: string;
    const input = (colour: 'blue' | 'green', s = spec): AnalyseInput => ({
      target: target(),
      colour,
      specs: [s],
      windowStart,
      windowEnd,
    });

    beforeAll(async () => {
      const end = Date.now();
      windowStart = new Date(end - 60_000).toISOString();
      windowEnd = new Date(end).toISOString();
      const cw = deps.aws.cloudWatch({ region: 'us-east-1' });
      const put = (colour: string, values: number[]) =>
        cw.send(
          new PutMetricDataCommand({
            Namespace: 'AWS/ApplicationELB',
            MetricData: values.map((Value, i) => ({
              MetricName: 'HTTPCode_Target_5XX_Count',
              Dimensions: [{ Name: 'TargetGroup', Value: `${service}-prd-${colour}` }],
              Value,
              Unit: 'Count',
              Timestamp: new Date(end - 40_000 + i * 10_000),
            })),
          }),
        );
      await put('green', [7, 5]); // 12 in the window
      await put('blue', [1, 2]); // 3 in the window
      cw.destroy();
    });

    test('Sum above max fails, naming the metric, the figure, the window and the dimension', async () => {
      await expect(measureCloudWatch(deps, input('green'), spec)).resolves.toEqual({
        provider: 'cloudwatch',
        passed: false,
        detail: `HTTPCode_Target_5XX_Count Sum 12 > max 5 over 60s (TargetGroup=${service}-prd-green)`,
        value: 12,
        threshold: 5,
      });
    });

    test('Sum at or below max passes', async () => {
      await expect(measureCloudWatch(deps, input('blue'), spec)).resolves.toMatchObject({
        passed: true,
        value: 3,
        detail: `HTTPCode_Target_5XX_Count Sum 3 <= max 5 over 60s (TargetGroup=${service}-prd-blue)`,
      });
      await expect(measureCloudWatch(deps, input('green'), { ...spec, max: 12 })).resolves.toMatchObject({
        passed: true,
        value: 12,
      });
    });

    test('Maximum and Average are computed over the window', async () => {
      await expect(
        measureCloudWatch(deps, input('green'), { ...spec, statistic: 'Maximum', max: 6 }),
      ).resolves.toMatchObject({ passed: false, value: 7 });
      await expect(
        measureCloudWatch(deps, input('green'), { ...spec, statistic: 'Average', max: 6 }),
      ).resolves.toMatchObject({ passed: true, value: 6 });
    });

    test('no datapoints: Sum counts as 0 and says so; Average cannot judge and fails', async () => {
      const quiet = { ...spec, dimensions: { TargetGroup: '{service}-{env}-{colour}-quiet' } };
      await expect(measureCloudWatch(deps, input('green'), quiet)).resolves.toEqual({
        provider: 'cloudwatch',
        passed: true,
        detail: `HTTPCode_Target_5XX_Count Sum 0 <= max 5 over 60s (TargetGroup=${service}-prd-green-quiet): no datapoints (0)`,
        value: 0,
        threshold: 5,
      });
      const average = await measureCloudWatch(deps, input('green'), { ...quiet, statistic: 'Average' });
      expect(average.passed).toBe(false);
      expect(average.value).toBeUndefined();
      expect(average.detail).toContain('no datapoints: cannot judge');
    });

    test('a window shorter than a second (a fast health check) is still judged, not refused by CloudWatch', async () => {
      const end = Date.parse(windowEnd);
      const short = { ...input('green'), windowStart: new Date(end - 300).toISOString() };
      await expect(measureCloudWatch(deps, short, spec)).resolves.toMatchObject({ provider: 'cloudwatch' });
    });

    test('a window that is not a time range is InvalidInput', async () => {
      await expect(
        measureCloudWatch(deps, { ...input('green'), windowStart: windowEnd, windowEnd: windowStart }, spec),
      ).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('analysis window') });
    });
  });

  describe('measureHttp (a local HTTP server)', () => {
    let server: Server;
    let port: number;
    /** What the next requests answer, in order; 'hang' never answers. Empty: 200. */
    let plan: Array<number | 'hang'> = [];
    const paths: string[] = [];

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        paths.push(req.url ?? '');
        const next = plan.shift() ?? 200;
        if (next === 'hang') return; // closed by closeAllConnections in afterAll
        res.writeHead(next, { 'content-type': 'text/plain' }).end(String(next));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const spec = (over: Partial<HttpSpec> = {}): HttpSpec => ({
      provider: 'http',
      url: `http://127.0.0.1:PORT/{namespace}/{service}-{colour}/healthz`,
      samples: 5,
      minSuccessRate: 1,
      timeoutMs: 1000,
      ...over,
    });
    const run = (s: HttpSpec) =>
      measureHttp(
        deps,
        { target: target(), colour: 'green', specs: [s], windowStart: '', windowEnd: '' },
        { ...s, url: s.url.replace('PORT', String(port)) },
      );

    test('5/5 answering 2xx passes; the URL template is filled in', async () => {
      plan = [200, 204, 200, 200, 200];
      paths.length = 0;
      const m = await run(spec());
      expect(m).toMatchObject({ provider: 'http', passed: true, value: 1, threshold: 1 });
      expect(m.detail).toMatch(/^5\/5 answered 2xx \(min 100%\) from http:\/\/127\.0\.0\.1:\d+\//);
      expect(paths).toEqual(Array(5).fill(`/payments-prd/${service}-green/healthz`));
    });

    test('3/5 fails with minSuccessRate 1.0, and passes with 0.6', async () => {
      plan = [200, 500, 200, 503, 200];
      const m = await run(spec());
      expect(m).toMatchObject({ passed: false, value: 0.6 });
      expect(m.detail).toMatch(/^3\/5 answered 2xx \(min 100%\); 1x HTTP 500, 1x HTTP 503 from /);
      plan = [200, 500, 200, 503, 200];
      await expect(run(spec({ minSuccessRate: 0.6 }))).resolves.toMatchObject({ passed: true, value: 0.6 });
    });

    test('answers slower than timeoutMs count as failures', async () => {
      plan = ['hang', 200, 'hang'];
      const t0 = Date.now();
      const m = await run(spec({ samples: 3, timeoutMs: 300, minSuccessRate: 0.5 }));
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(m).toMatchObject({ passed: false });
      expect(m.value).toBeCloseTo(1 / 3);
      expect(m.detail).toMatch(/^1\/3 answered 2xx \(min 50%\); 2x timeout after 300ms from /);
    });

    test('nothing listening: every sample fails with the reason', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      const m = await measureHttp(
        deps,
        { target: target(), colour: 'blue', specs: [], windowStart: '', windowEnd: '' },
        spec({ url: `http://127.0.0.1:${closedPort}/healthz`, samples: 2 }),
      );
      expect(m).toMatchObject({ passed: false, value: 0 });
      expect(m.detail).toContain('0/2 answered 2xx (min 100%); 2x ECONNREFUSED');
    });

    test('a URL template that is not a URL is InvalidInput naming the setting', async () => {
      await expect(run(spec({ url: '{service}/healthz' }))).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining(`services.${service}.rollout.analysis (http).url`),
      });
    });
  });
});
