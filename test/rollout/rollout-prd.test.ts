import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Client } from '@temporalio/client';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import type { OperationState } from '../../core/operations';
import { seedRolloutLoadBalancers } from '../../sandbox/aws-seed';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';
import { replayAndMaybeRecord } from '../support/histories';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { EndedEarly, eventually, person, startWorker, testClient } from '../support/sandbox';

const exec = promisify(execFile);
const ALB = {
  kind: 'alb',
  loadBalancerName: '{service}-{env}',
  listenerPort: 80,
  targetGroupName: '{service}-{env}-{colour}',
};

/**
 * PRD per the seed: traffic moves through ALB weighted target groups (ELBv2 in the sandbox's AWS endpoint),
 * approvals need MFA, and 5xx counts of the new colour's target group in CloudWatch judge each step.
 */
describe('PRD rollouts: ALB weighted target groups, MFA approvals, CloudWatch analysis', () => {
  let cluster: PrivateCluster;
  let tc: RolloutTestConfig;
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;
  const aws = () => createAwsClientFactory(tc.config.aws);
  const region = () => tc.config.environments.prd.region;

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    tc = rolloutTestConfig(
      cluster,
      {
        'pay-api': testServiceYaml(
          {
            stepWait: '3s',
            analysis: [
              { provider: 'pods', maxRestarts: 0 },
              {
                provider: 'cloudwatch',
                namespace: 'AWS/ApplicationELB',
                metricName: 'HTTPCode_Target_5XX_Count',
                dimensions: { TargetGroup: '{service}-{env}-{colour}' },
                statistic: 'Sum',
                max: 5,
              },
            ],
          },
          { image: 'ghcr.io/example/pay-api' },
        ),
      },
      { prd: ALB },
    );
    await seedRolloutLoadBalancers(tc.config, aws());
    session = await openGateway(tc.config);
    client = await testClient(tc.config);
    worker = await startWorker(tc.config);
  }, 240_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await session?.close();
    await cluster?.stop();
  }, 60_000);

  const gw = () => session.gateway;
  const listenerWeights = async (): Promise<Record<string, number>> => {
    const elb = aws().elbv2({ region: region() });
    const lb = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['pay-api-prd'] }))).LoadBalancers?.[0];
    const l = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }))).Listeners?.find(
      (x) => x.Port === 80,
    );
    const out: Record<string, number> = {};
    for (const g of l?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? []) {
      const name = /targetgroup\/([^/]+)\//.exec(g.TargetGroupArn ?? '')?.[1] ?? '?';
      out[name.replace('pay-api-prd-', '')] = g.Weight ?? 0;
    }
    elb.destroy();
    return out;
  };
  const replicas = async (name: string): Promise<number> =>
    Number(
      (
        await exec(cluster.kube.bin.kubectl, [
          '--kubeconfig',
          cluster.kube.kubeconfig,
          '--context',
          cluster.kube.contextName,
          'get',
          'deployment',
          name,
          '-n',
          'shop-prd',
          '-o',
          'jsonpath={.spec.replicas}',
        ])
      ).stdout,
    );
  const when = (op: string, ok: (s: OperationState) => boolean, what: string) =>
    eventually(
      async () => {
        const s = await gw().state(op);
        if (s.outcome && !ok(s))
          throw new EndedEarly(`${op} ended ${s.outcome} while waiting for ${what}: ${s.message}`);
        return ok(s) ? s : undefined;
      },
      120_000,
      what,
    );

  it('GIVEN a PRD rollout WHEN approved with MFA THEN the listener moves to the new target group through every step', async () => {
    const op = (await gw().startRollout('pay-api', '1.0.0', 'prd', person('alice'))).operationId;
    const pending = await when(op, (s) => s.phase === 'awaiting-approval', 'approval wait');
    expect(pending.rollout).toMatchObject({ traffic: 'alb', fromColour: 'blue', toColour: 'green' });
    const artifactId = pending.preview!.artifactId;
    await expect(gw().approve(op, person('bob'), { artifactId })).rejects.toThrow(/requires MFA/);
    await gw().approve(op, person('bob'), { artifactId, mfaVerified: true });
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'succeeded', approvals: [{ approver: 'bob', mfa: true }] });
    expect(done.rollout!.analyses.filter((a) => a.stage === 'step').map((a) => a.percent)).toEqual([10, 50, 100]);
    expect(await listenerWeights()).toEqual({ blue: 0, green: 100 });
    // Each ALB change ran as the approver under PRD's deploy role (just-in-time access), not as the worker.
    const shifted = (await gw().audit(2000)).filter((r) => r.operationId === op && r.action === 'traffic-shifted');
    expect(shifted).toHaveLength(3);
    for (const r of shifted)
      expect(r.details).toMatchObject({
        assumedRoleArn: expect.stringMatching(/^arn:aws:sts::123456789012:assumed-role\/infra-agent-deploy-prd\//),
        sourceIdentity: 'bob',
      });
  }, 240_000);

  it('GIVEN 5xx answers from the new colour at the first step THEN the rollout rolls back by itself and the old colour keeps all traffic', async () => {
    const op = (await gw().startRollout('pay-api', '1.1.0', 'prd', person('alice'))).operationId;
    const pending = await when(op, (s) => s.phase === 'awaiting-approval', 'approval wait');
    expect(pending.rollout).toMatchObject({ fromColour: 'green', toColour: 'blue' });
    await gw().approve(op, person('carol'), { artifactId: pending.preview!.artifactId, mfaVerified: true });
    await when(op, (s) => s.rollout!.stepIndex === 0 && s.phase === 'analysing', 'first step');
    expect(await listenerWeights()).toEqual({ blue: 10, green: 90 });
    // The new colour's target group answers 5xx (as the ALB would report them).
    const cw = aws().cloudWatch({ region: region() });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          {
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: [{ Name: 'TargetGroup', Value: 'pay-api-prd-blue' }],
            Value: 42,
            Unit: 'Count',
            Timestamp: new Date(),
          },
        ],
      }),
    );
    cw.destroy();
    const done = await gw().result(op);
    expect(done.outcome).toBe('rolled-back');
    expect(done.message).toMatch(/analysis failed at 10%: cloudwatch: .*42.*> max 5/);
    expect(done.message).toContain('All traffic is back on green (ghcr.io/example/pay-api:1.0.0); blue scaled to 0.');
    expect(await listenerWeights()).toEqual({ blue: 0, green: 100 });
    expect(await replicas('pay-api-blue')).toBe(0);
    expect(await replicas('pay-api-green')).toBe(2);
    const records = (await gw().audit(2000)).filter((r) => r.operationId === op && r.at >= done.startedAt);
    expect(records.map((r) => r.action)).toContain('rolled-back');
    await replayAndMaybeRecord(client, op, 'rollout-rolled-back');
  }, 240_000);
});
