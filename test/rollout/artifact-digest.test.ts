import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { OperationState } from '../../core/operations';
import { pushImage } from '../../sandbox/registry-seed';
import { toolPath } from '../../sandbox/paths';
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

/**
 * Immutable artifacts (issue 19.2): a rollout's tag is resolved to a digest in the test sandbox's real OCI registry
 * (crane registry serve), that digest is approved and deployed into a real control plane, and a tag that moves
 * after approval fails closed. Each test has its own service and repository.
 */
describe('rollouts pin the tag to a digest in the registry', () => {
  const registryHost = `127.0.0.1:${process.env.INFRA_AGENT_REGISTRY_PORT ?? '5000'}`;
  let cluster: PrivateCluster;
  let tc: RolloutTestConfig;
  let session: GatewaySession;
  let client: Client;
  let worker: RunningWorker;

  const fast = { stepWait: '1s', bake: '1s', steps: [50, 100] };
  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    const svc = (name: string) => testServiceYaml(fast, { image: `ghcr.io/example/${name}` });
    tc = rolloutTestConfig(
      cluster,
      {
        'digest-api': svc('digest-api'),
        'moved-api': svc('moved-api'),
        'latest-api': svc('latest-api'),
        'nowhere-api': svc('nowhere-api'),
      },
      { dev: { kind: 'istio' }, prd: { kind: 'istio' } },
      { registry: `http://${registryHost}` },
    );
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
  const push = (service: string, tag: string) =>
    pushImage(toolPath('crane'), registryHost, `example/${service}`, tag, `${service}:${tag}:${randomUUID()}`);
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
  const deployment = async (name: string, ns = 'shop-dev') => {
    const d = JSON.parse(await kubectl('get', 'deployment', name, '-n', ns, '-o', 'json')) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    return { image: d.spec.template.spec.containers[0]?.image ?? '', replicas: d.spec.replicas };
  };
  const awaitingApproval = (op: string) =>
    eventually(
      async () => {
        const s = await gw().state(op);
        if (s.outcome) throw new EndedEarly(`${op} ended ${s.outcome}: ${s.message}`);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      120_000,
      'approval wait',
    );
  const auditOf = async (op: string, since: string) =>
    (await gw().audit(2000)).filter((r) => r.operationId === op && r.at >= since);

  it('GIVEN a release tag in the registry WHEN it is rolled out THEN its digest is on the card, in the audit and deployed', async () => {
    const digest = await push('digest-api', '1.0.0');
    const op = (await gw().startRollout('digest-api', '1.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    const reference = `ghcr.io/example/digest-api@${digest}`;
    expect(pending.rollout).toMatchObject({ version: '1.0.0', digest, image: reference });
    expect(pending.preview!.artifactId).toContain(digest);
    expect(await deployment('digest-api-green')).toEqual({ image: reference, replicas: 2 });
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(done.message).toContain(`${reference} is live on green`);
    const resolved = (await auditOf(op, done.startedAt)).filter((r) => r.action === 'artifact-resolved');
    expect(resolved.map((r) => r.details)).toEqual([
      { tag: '1.0.0', digest, reference, registry: `http://${registryHost}` },
    ]);
    await replayAndMaybeRecord(client, op, 'rollout-digest-succeeded');
  }, 180_000);

  it('GIVEN an approved rollout WHEN the tag moved after approval THEN it fails closed: no traffic moves and the new colour is scaled to 0', async () => {
    const first = await push('moved-api', '2.0.0');
    const op = (await gw().startRollout('moved-api', '2.0.0', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    expect(pending.rollout!.digest).toBe(first);
    const second = await push('moved-api', '2.0.0');
    expect(second).not.toBe(first);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done: OperationState = await gw().result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toContain(`tag '2.0.0' moved: it named ${first} when requested and now names ${second}`);
    expect(done.message).toContain('No traffic moved; green scaled to 0');
    expect(done.rollout!.weights).toEqual({ blue: 100, green: 0 });
    expect(done.rollout!.stepIndex).toBe(-1);
    expect(await deployment('moved-api-green')).toEqual({ image: `ghcr.io/example/moved-api@${first}`, replicas: 0 });
    const audit = await auditOf(op, done.startedAt);
    expect(audit.some((r) => r.action === 'traffic-shifted')).toBe(false);
    expect(audit.find((r) => r.action === 'failed')?.details).toMatchObject({ reason: 'tag moved' });
    await replayAndMaybeRecord(client, op, 'rollout-tag-moved');
  }, 180_000);

  it('GIVEN the tag latest WHEN it is rolled out to prd THEN it is refused before anything is deployed, and dev takes it', async () => {
    const digest = await push('latest-api', 'latest');
    const prd = (await gw().startRollout('latest-api', 'latest', 'prd', person('alice'))).operationId;
    const refused = await gw().result(prd);
    expect(refused.outcome).toBe('failed');
    expect(refused.message).toContain(
      "refused: version: 'latest' is a mutable tag (it names whatever was pushed last), and prd only takes immutable versions",
    );
    expect(refused.message).toContain('Nothing was deployed.');
    expect(await kubectl('get', 'deployments', '-n', 'shop-prd', '-o', 'name')).not.toContain('latest-api');

    const dev = (await gw().startRollout('latest-api', 'latest', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(dev);
    expect(pending.rollout).toMatchObject({ digest, image: `ghcr.io/example/latest-api@${digest}` });
    const cancelled = await gw().cancel(dev, person('alice'));
    expect(cancelled.approvals).toEqual([]);
    expect((await gw().result(dev)).outcome).toBe('cancelled');
  }, 180_000);

  it('GIVEN a tag or a repository the registry does not have WHEN rolled out THEN the error says which, with the tags there are', async () => {
    await push('digest-api', '1.0.1');
    const tag = (await gw().startRollout('digest-api', '9.9.9', 'dev', person('alice'))).operationId;
    const noTag = await gw().result(tag);
    expect(noTag.outcome).toBe('failed');
    expect(noTag.message).toContain(
      `version: tag '9.9.9' does not exist in example/digest-api (registry http://${registryHost}); its tags: 1.0.0, 1.0.1`,
    );
    const repo = (await gw().startRollout('nowhere-api', '1.0.0', 'dev', person('alice'))).operationId;
    const noRepo = await gw().result(repo);
    expect(noRepo.outcome).toBe('failed');
    expect(noRepo.message).toContain(
      `image: repository 'example/nowhere-api' does not exist in the registry http://${registryHost}`,
    );
    expect(await kubectl('get', 'deployments', '-n', 'shop-dev', '-o', 'name')).not.toContain('nowhere-api');
  }, 120_000);
});
