import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { analyseColour } from '../../activities/rollout';
import type { RolloutDeps } from '../../activities/rollout/deps';
import { renderOperationAlert } from '../../activities/notify/notify-operation';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { createRunCommand } from '../../adapters/cli/run-command';
import { InvalidInput } from '../../core/errors';
import type { OperationState } from '../../core/operations';
import { manualRestoreText } from '../../core/rollout/restore';
import { rolloutLines } from '../../core/rollout/summary';
import type { AnalyseInput, ServiceTarget } from '../../core/rollout/types';
import { checkWeights, isSplit, splitText } from '../../core/rollout/types';
import { freePort } from '../support/ports';

/**
 * What happens when a measurement cannot be taken (issue 13.9): the Kubernetes API or CloudWatch does not answer.
 * The endpoints here are real addresses with nothing listening — the same refusal an outage gives — not mocks.
 */
describe('an analysis that cannot measure is no verdict', () => {
  const target: ServiceTarget = { environment: 'dev', service: 'payments-api', namespace: 'payments-dev' };
  let deps: RolloutDeps;
  const input = (specs: AnalyseInput['specs']): AnalyseInput => ({
    target,
    colour: 'green',
    specs,
    windowStart: new Date(Date.now() - 60_000).toISOString(),
    windowEnd: new Date().toISOString(),
  });

  beforeAll(async () => {
    const dead = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'no-verdict-'));
    const kubeconfig = join(dir, 'kubeconfig');
    // Embedded credentials: the in-process reader (adapters/k8s/rest.ts) is used, and it meets a closed port.
    writeFileSync(
      kubeconfig,
      stringify({
        clusters: [
          {
            name: 'c',
            cluster: {
              server: `https://127.0.0.1:${dead}`,
              'certificate-authority-data': Buffer.from('ca').toString('base64'),
            },
          },
        ],
        users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    deps = {
      run: createRunCommand({}),
      kubectlBin: 'kubectl',
      kubeconfig,
      environments: {
        dev: {
          region: 'us-east-1',
          cluster: { name: 'c', kubeContext: 'ctx', kubeconfig, namespaceSuffix: '-dev', traffic: { kind: 'istio' } },
        },
      },
      aws: createAwsClientFactory({
        endpoint: `http://127.0.0.1:${dead}`,
        accessKeyId: 'testing',
        secretAccessKey: 'testing',
      }),
    };
  });

  it('GIVEN the Kubernetes API does not answer WHEN the pods are analysed THEN the result is inconclusive, not a failed verdict', async () => {
    const r = await analyseColour(deps, input([{ provider: 'pods', maxRestarts: 0 }]));
    expect(r).toMatchObject({ passed: false, inconclusive: true });
    expect(r.measurements).toHaveLength(1);
    expect(r.measurements[0]).toMatchObject({ provider: 'pods', passed: false, inconclusive: true });
    expect(r.measurements[0]!.detail).toMatch(/^could not measure: reading the pods of payments-api-green failed: /);
  });

  it('GIVEN CloudWatch does not answer WHEN the metric is analysed THEN the result is inconclusive', async () => {
    const r = await analyseColour(
      deps,
      input([
        {
          provider: 'cloudwatch',
          namespace: 'AWS/ApplicationELB',
          metricName: 'HTTPCode_Target_5XX_Count',
          dimensions: { TargetGroup: '{service}-{env}-{colour}' },
          statistic: 'Sum',
          max: 5,
        },
      ]),
    );
    expect(r).toMatchObject({ passed: false, inconclusive: true });
    expect(r.measurements[0]).toMatchObject({ provider: 'cloudwatch', inconclusive: true });
    expect(r.measurements[0]!.detail).toMatch(/^could not measure: reading CloudWatch AWS\/ApplicationELB/);
  }, 60_000);

  it('GIVEN one provider measured bad and another could not measure THEN the bad measurement wins: a failed verdict', async () => {
    const r = await analyseColour(deps, {
      ...input([
        { provider: 'pods', maxRestarts: 0 },
        {
          provider: 'http',
          url: `http://127.0.0.1:${await freePort()}/health`,
          samples: 2,
          minSuccessRate: 1,
          timeoutMs: 500,
        },
      ]),
    });
    expect(r.passed).toBe(false);
    expect(r.inconclusive).toBeUndefined();
    expect(r.measurements.map((m) => [m.provider, m.passed, m.inconclusive ?? false])).toEqual([
      ['pods', false, true],
      ['http', false, false],
    ]);
  });
});

describe('traffic splits in words', () => {
  it('GIVEN weights THEN the one weight check refuses what is not a split, naming the field', () => {
    expect(() => checkWeights({ blue: 90, green: 10 })).not.toThrow();
    expect(() => checkWeights({ blue: 50, green: 60 })).toThrow(InvalidInput);
    expect(() => checkWeights({ blue: 50, green: 60 })).toThrow(
      /^weights: blue 50 \+ green 60 = 110; the two must add up to 100/,
    );
    expect(() => checkWeights({ blue: 110, green: -10 })).toThrow(
      /^weights: blue 110 \/ green -10 is not a split: weights\.blue: 110 is not a whole percentage from 0 to 100; .*add up to 100/,
    );
    expect(() => checkWeights({ blue: 89.5, green: 10.5 })).toThrow(/weights\.blue: 89\.5 is not a whole percentage/);
    expect(isSplit({ blue: 90, green: 10 })).toBe(true);
    expect(isSplit({ blue: 100, green: 0 })).toBe(false);
    expect(splitText({ blue: 90, green: 10 })).toBe('blue 90% / green 10%');
  });

  it('GIVEN a split nobody could restore THEN the manual command names the router and the weights to set', () => {
    const t: ServiceTarget = { environment: 'dev', service: 'payments-api', namespace: 'payments-dev' };
    const istio = manualRestoreText(t, { kind: 'istio' }, { blue: 100, green: 0 });
    expect(istio).toMatch(
      /^kubectl --context <the dev cluster's context> --namespace payments-dev patch virtualservice payments-api --type merge -p '/,
    );
    const patch = JSON.parse(istio.slice(istio.indexOf("-p '") + 4, -1)) as {
      spec: { http: { route: { destination: { host: string }; weight: number }[] }[] };
    };
    expect(patch.spec.http[0]!.route).toEqual([
      { destination: { host: 'payments-api-blue' }, weight: 100 },
      { destination: { host: 'payments-api-green' }, weight: 0 },
    ]);
    const alb = manualRestoreText(
      { ...t, environment: 'prd' },
      {
        kind: 'alb',
        loadBalancerName: '{service}-{env}',
        listenerPort: 443,
        targetGroupName: '{service}-{env}-{colour}',
      },
      { blue: 0, green: 100 },
    );
    expect(alb).toBe(
      "aws elbv2 modify-listener on the listener on port 443 of load balancer 'payments-api-prd' (prd): default action " +
        "forward to target group 'payments-api-prd-blue' weight 0 and 'payments-api-prd-green' weight 100",
    );
  });

  it('GIVEN a rollout that needs a person THEN the on-call alert and the status say what and why', () => {
    const state = {
      operationId: 'rollout/dev/payments-api',
      kind: 'rollout',
      environment: 'dev',
      target: 'payments-dev/payments-api',
      requester: { userId: 'alice', displayName: 'Alice', via: 'cli' },
      startedAt: '2026-12-04T10:00:00.000Z',
      phase: 'rolling-back',
      findings: [],
      approvalsRequired: 1,
      approvals: [],
      events: [],
      rollout: {
        service: 'payments-api',
        namespace: 'payments-dev',
        fromColour: 'blue',
        toColour: 'green',
        traffic: 'istio',
        steps: [10, 50, 100],
        stepIndex: 0,
        weights: { blue: 90, green: 10 },
        analyses: [
          {
            stage: 'step',
            percent: 10,
            at: '2026-12-04T10:01:00.000Z',
            passed: false,
            inconclusive: true,
            measurements: [{ provider: 'pods', passed: false, inconclusive: true, detail: 'could not measure: x' }],
          },
        ],
        paused: false,
        attention: 'putting all traffic back on blue has been failing for over a minute',
      },
    } as unknown as OperationState;
    expect(renderOperationAlert({ channel: 'C1', state }).text).toMatch(
      /^:rotating_light: \[DEV\] rollout payments-dev\/payments-api needs attention: putting all traffic back on blue has been failing for over a minute — operation rollout\/dev\/payments-api/,
    );
    const lines = rolloutLines(state);
    expect(lines).toContain('? at 10%: pods: could not measure: x');
    expect(lines).toContain('⚠ needs attention: putting all traffic back on blue has been failing for over a minute');
  });
});
