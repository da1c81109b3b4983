import { randomBytes, randomUUID } from 'node:crypto';
import { DescribeSnapshotsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { createReapActivities } from '../../activities/cost/reap';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import { DEFAULT_IDLE_CONFIG, KEEP_UNTIL_TAG, REAPED_FROM_TAG } from '../../core/cost/idle';
import { refusalOf } from '../../core/errors';
import type { ProposalContext } from '../../core/llm/proposal';
import { judgeToolUse } from '../../core/llm/proposal';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import { reapWorkflow } from '../../workflows';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { reapInput } from '../../worker/gateway/inputs';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, taskQueueOf, testClient, testConfig } from '../support/sandbox';
import { idleAws } from './idle-env';

/**
 * `reap {resource} dev` and `keep {resource} dev` through the one dispatcher and a real worker against the sandbox's
 * moto: the notice, Keep, the snapshot before a volume goes, idempotent deletes, and the DEV-only rule on every path.
 */
let config: AppConfig;
let slow: AppConfig;
let worker: RunningWorker;
let fast: GatewaySession;
let patient: GatewaySession;
let aws: ReturnType<typeof idleAws>;
const tag = randomBytes(3).toString('hex');

const withNotice = (c: AppConfig, noticeSeconds: number): AppConfig => ({
  ...c,
  idle: { ...DEFAULT_IDLE_CONFIG, reap: { noticeSeconds, keepSeconds: 30 * 86_400 } },
});

beforeAll(async () => {
  const base = testConfig();
  // The same worker; two gateways whose configs give a 2 s and a 10 min notice (the notice is recorded at start).
  config = withNotice(base, 2);
  slow = withNotice(base, 600);
  aws = idleAws(config);
  worker = await startWorker(config);
  fast = await openGateway(config);
  patient = await openGateway(slow);
}, 120_000);
afterAll(async () => {
  aws?.destroy();
  await fast?.close();
  await patient?.close();
  await worker?.stop();
}, 60_000);

async function run(
  line: string,
  who: Requester = person('alice'),
  on: GatewaySession = fast,
): Promise<{ r: CommandResult; text: string }> {
  const parsed = on.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await on.gateway.execute(parsed.command, { ...who, requestId: randomUUID() });
  return { r, text: renderResult(parsed.command, r, who.userId).text };
}
const refusal = async (line: string, who: Requester = person('alice')): Promise<string> => {
  try {
    await run(line, who);
  } catch (e) {
    return refusalOf(e)?.message ?? (e as Error).message;
  }
  throw new Error(`'${line}' was not refused`);
};
const finished = async (on: GatewaySession, op: string): Promise<OperationState> =>
  (await testClient(config)).workflow.getHandle(op).result() as Promise<OperationState>;
const volumeExists = async (id: string): Promise<boolean> => {
  try {
    return ((await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes ?? []).length > 0;
  } catch (e) {
    if ((e as Error).name === 'InvalidVolume.NotFound') return false;
    throw e;
  }
};
const DEV_ONLY = /^reap is refused in (TST|PRD): the reaper runs in DEV only, whatever the config says/;

describe('reap {resource} dev: a notice, then the deletion', () => {
  it('deletes an idle volume after its notice, with a snapshot first, audited', async () => {
    const vol = await aws.volume('dev', `reap-me-${tag}`, 20, 'gp3');
    const { r, text } = await run(`reap ${vol} dev`);
    expect(r.kind).toBe('started');
    expect(text).toContain(`reap/dev/${vol}`);
    const end = await finished(fast, `reap/dev/${vol}`);
    expect(end.outcome).toBe('succeeded');
    expect(await volumeExists(vol)).toBe(false);
    const snaps = await aws.ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${REAPED_FROM_TAG}`, Values: [vol] }] }),
    );
    expect(snaps.Snapshots).toHaveLength(1);
    const snapshot = snaps.Snapshots?.[0]?.SnapshotId ?? '';
    expect(end.message).toBe(`${vol} is deleted; its snapshot ${snapshot} keeps the data`);
    const audit = await fast.audit.tail(200);
    const mine = audit.filter((a) => a.operationId === `reap/dev/${vol}`).map((a) => [a.action, a.details]);
    expect(mine.map(([a]) => a)).toEqual(['requested', 'previewed', 'executed', 'completed']);
    expect(mine[2]?.[1]).toMatchObject({ snapshot, alreadyGone: false });
    await replayAndMaybeRecord(await testClient(config), `reap/dev/${vol}`, 'reap-volume-deleted');
  }, 60_000);

  it('Keep during the notice tags keep-until, audits who, and deletes nothing', async () => {
    const vol = await aws.volume('dev', `keep-me-${tag}`, 10, 'gp3');
    const op = `reap/dev/${vol}`;
    await run(`reap ${vol} dev`, person('alice'), patient);
    await eventually(async () => ((await patient.gateway.operations.state(op)).approvalDeadline ? true : undefined));
    const { r, text } = await run(`keep ${vol} dev`, person('bob'), patient);
    expect(r.kind).toBe('decided');
    expect(text).toBe(`kept ${vol} (${op}) by bob: tagged keep-until, nothing is deleted`);
    const end = await finished(patient, op);
    expect(end.outcome).toBe('cancelled');
    expect(end.message).toMatch(/^kept by bob until \d{4}-\d{2}-\d{2}T/);
    expect(await volumeExists(vol)).toBe(true);
    const v = (await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes?.[0];
    const until = v?.Tags?.find((t) => t.Key === KEEP_UNTIL_TAG)?.Value ?? '';
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const kept = (await patient.audit.tail(200)).find((a) => a.operationId === op && a.action === 'kept');
    expect(kept).toMatchObject({ actor: 'bob', details: { keepUntil: until, via: 'cli' } });
    // A second reap now finds it kept and ends without a notice.
    await run(`reap ${vol} dev`);
    const again = await finished(fast, op);
    expect(again.outcome).toBe('cancelled');
    expect(again.message).toBe(`${vol} is kept until ${until}; nothing was deleted`);
    await replayAndMaybeRecord(await testClient(config), op, 'reap-kept');
  }, 60_000);
});

describe('reap is DEV only, on every path', () => {
  it('typed: reap and keep in tst and prd are refused before anything starts', async () => {
    const vol = await aws.volume('prd', `prd-vol-${tag}`, 10, 'gp3');
    for (const env of ['tst', 'prd']) {
      expect(await refusal(`reap ${vol} ${env}`)).toMatch(DEV_ONLY);
      expect(await refusal(`keep ${vol} ${env}`)).toMatch(DEV_ONLY);
      expect(await taskQueueOf(await testClient(config), `reap/${env}/${vol}`)).not.toBe(config.temporal.taskQueue);
    }
    expect(await volumeExists(vol)).toBe(true);
  });

  it('proposed by the language front door: a model asking to reap in prd is refused, in dev only proposed', () => {
    const pctx: ProposalContext = {
      stacks: ['vpc'],
      permissions: { userId: 'alice', known: true, approverIn: ['dev', 'tst', 'prd'] },
      autoRun: { environments: ['dev', 'tst', 'prd'], unscoped: true },
    };
    const judge = (env: string) =>
      judgeToolUse({ toolUseId: 't', name: 'reap', input: { resource: 'vol-0123456789abcdef0', env } }, pctx);
    expect(judge('prd')).toMatchObject({ kind: 'permission', reason: expect.stringMatching(DEV_ONLY) });
    expect(judge('tst')).toMatchObject({ kind: 'permission', reason: expect.stringMatching(DEV_ONLY) });
    // A write is proposed, never run: even where reads run at once.
    expect(judge('dev')).toMatchObject({ line: 'reap vol-0123456789abcdef0 dev', effect: 'write', autoRun: false });
  });

  it('a workflow started in prd by anything but the dispatcher refuses in the workflow and touches nothing', async () => {
    const vol = await aws.volume('prd', `prd-direct-${tag}`, 10, 'gp3');
    const input = { ...reapInput(config, vol, 'prd', person('alice')), operationId: `reap/prd/${vol}-${tag}` };
    const client = await testClient(config);
    const end = await client.workflow.execute(reapWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: input.operationId,
      args: [input],
    });
    expect(end.outcome).toBe('failed');
    expect(end.message).toMatch(DEV_ONLY);
    expect(await volumeExists(vol)).toBe(true);
    await replayAndMaybeRecord(client, input.operationId, 'reap-refused-prd');
  });

  it('every reaper activity refuses tst and prd, whatever calls it', async () => {
    const acts = createReapActivities({ aws: createAwsClientFactory(config.aws) });
    const vol = await aws.volume('prd', `prd-act-${tag}`, 10, 'gp3');
    for (const environment of ['tst', 'prd'] as const) {
      const target = { environment, region: 'us-east-1', resourceId: vol };
      await expect(acts.inspectReapTarget(target)).rejects.toThrow(DEV_ONLY);
      await expect(acts.snapshotBeforeReap({ ...target, operationId: 'x' })).rejects.toThrow(DEV_ONLY);
      await expect(acts.reapResource(target)).rejects.toThrow(DEV_ONLY);
    }
    expect(await volumeExists(vol)).toBe(true);
  });
});

describe('reap: idempotent steps and bad input', () => {
  it('a retried snapshot finds the first; a retried delete of what is gone is success', async () => {
    const acts = createReapActivities({ aws: createAwsClientFactory(config.aws) });
    const vol = await aws.volume('dev', `retry-${tag}`, 10, 'gp3');
    const target = { environment: 'dev' as const, region: 'us-east-1', resourceId: vol };
    const a = await acts.snapshotBeforeReap({ ...target, operationId: 'op' });
    const b = await acts.snapshotBeforeReap({ ...target, operationId: 'op' });
    expect(b.snapshotId).toBe(a.snapshotId);
    expect(await acts.reapResource(target)).toEqual({ alreadyGone: false });
    expect(await acts.reapResource(target)).toEqual({ alreadyGone: true });
    const eip = await aws.address('dev', `retry-eip-${tag}`);
    const e = { ...target, resourceId: eip };
    expect(await acts.reapResource(e)).toEqual({ alreadyGone: false });
    expect(await acts.reapResource(e)).toEqual({ alreadyGone: true });
  });

  it('a resource that does not exist, or belongs to another environment, ends the reap with why', async () => {
    await run('reap vol-0000000000000dead dev');
    const missing = await finished(fast, 'reap/dev/vol-0000000000000dead');
    expect(missing.outcome).toBe('failed');
    expect(missing.message).toBe(
      'failed while notice: resource: vol-0000000000000dead does not exist in dev (us-east-1); `idle dev` lists what can be reaped',
    );
    const prdVol = await aws.volume('prd', `not-dev-${tag}`, 10, 'gp3');
    await run(`reap ${prdVol} dev`);
    const other = await finished(fast, `reap/dev/${prdVol}`);
    expect(other.outcome).toBe('failed');
    expect(other.message).toContain(
      `${prdVol} is tagged Environment=prd, not dev: the reaper only touches dev's own resources`,
    );
    expect(await volumeExists(prdVol)).toBe(true);
  });

  it('malformed ids, other kinds and unknown environments are refused by the grammar with what is allowed', () => {
    const error = (line: string): string => {
      const p = fast.gateway.parse(line);
      if (p.ok) throw new Error(`'${line}' parsed`);
      return p.error;
    };
    expect(error('reap vol-xyz dev')).toContain(
      "'vol-xyz' is not a resource id reap takes; use an EBS volume (vol-0123456789abcdef0), an Elastic IP allocation (eipalloc-…) or a snapshot (snap-…)",
    );
    expect(error('reap i-0123456789abcdef0 dev')).toContain(
      "'i-0123456789abcdef0' is an instance: reap removes EBS volumes (vol-…), Elastic IPs (eipalloc-…) and snapshots (snap-…)",
    );
    expect(error('reap vol-0123456789abcdef0 qa')).toContain("'qa' is not an environment; use one of dev, tst, prd");
  });
});
