/**
 * Many instances on one PostgreSQL (issue 20 item 3): two worker **processes** and two front ends (gateways) over
 * one Temporal and one database behave as one product. An approval in one front end and a rejection in the other
 * at the same moment → one decision; a worker killed -9 mid-operation → the other worker finishes it; the audit
 * chain in the database stays intact. Real Temporal, real PostgreSQL, real worker processes, moto.
 */
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from '../../adapters/audit/chain';
import type { AuditRecord } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { closeStateStores, openStateStores } from '../../worker/state-compose';
import type { ChildWorker } from '../support/child-worker';
import { startChildWorker } from '../support/child-worker';
import { testDatabaseUrl } from '../support/postgres';
import { eventually, person, testConfig } from '../support/sandbox';
import { freshTemplate } from '../support/fresh-template';

describe('two workers and two front ends on one PostgreSQL', () => {
  let config: AppConfig;
  let one: GatewaySession;
  let two: GatewaySession;
  let workerEnv: NodeJS.ProcessEnv;
  const workers: ChildWorker[] = [];
  const suffix = randomUUID().slice(0, 6);
  const RACE = `many-race-${suffix}`;
  const KILL = `many-kill-${suffix}`;

  beforeAll(async () => {
    process.env.INFRA_AGENT_DATABASE_URL = await testDatabaseUrl(__filename);
    // Each worker process loads the sandbox config with the PostgreSQL store, as `INFRA_AGENT_STORE=postgres` does.
    workerEnv = { INFRA_AGENT_STORE: 'postgres', INFRA_AGENT_DATABASE_URL: process.env.INFRA_AGENT_DATABASE_URL };
    const base = testConfig({ store: { kind: 'postgres', urlEnv: 'INFRA_AGENT_DATABASE_URL', poolSize: 5 } });
    config = {
      ...base,
      stacks: {
        ...base.stacks,
        [RACE]: { name: RACE, template: freshTemplate() },
        [KILL]: { name: KILL, template: freshTemplate() },
      },
    };
    one = await openGateway(config, { pollMs: 100 });
    two = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) await w.kill9();
    await closeStateStores();
  });

  const records = (op: string): Promise<AuditRecord[]> => openStateStores(config).audit.forOperation(op);
  const chainIntact = async (): Promise<void> => {
    const all = (await openStateStores(config).audit.exportJsonLines())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(verifyAuditChain(all)).toBeUndefined();
    expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => all[0]!.seq + i)); // gap-free
  };
  const awaitingApproval = (op: string) =>
    eventually(
      async () => {
        const s = await two.gateway.state(op);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      120_000,
      'the deploy to await approval',
    );

  it('GIVEN an approval in one front end and a rejection in the other at once THEN exactly one decision is taken', async () => {
    workers.push(await startChildWorker(config.temporal.taskQueue, workerEnv));
    workers.push(await startChildWorker(config.temporal.taskQueue, workerEnv));
    const op = (await one.gateway.startStackOperation('deploy-stack', RACE, 'tst', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    const [approved, rejected] = await Promise.allSettled([
      two.gateway.approve(op, person('bob'), { artifactId: pending.preview?.artifactId ?? '' }),
      one.gateway.reject(op, person('carol'), 'not this week'),
    ]);
    // One of the two went through; the other was refused, saying the operation was already decided.
    expect([approved.status, rejected.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
    const refused = approved.status === 'rejected' ? approved : rejected;
    expect(refused.status === 'rejected' && String((refused.reason as Error).message)).toMatch(
      /not waiting for an approval|already/i,
    );
    const result = await one.gateway.result(op);
    expect(result.outcome).toBe(approved.status === 'fulfilled' ? 'succeeded' : 'rejected');
    const decisions = (await records(op)).filter((r) => r.action === 'approved' || r.action === 'rejected');
    expect(decisions.map((r) => `${r.action}:${r.actor}`)).toEqual([
      approved.status === 'fulfilled' ? 'approved:bob' : 'rejected:carol',
    ]);
    await chainIntact();
  });

  it('GIVEN a worker killed -9 mid-validation THEN the other worker process finishes the deploy, once', async () => {
    for (const w of workers.splice(0)) await w.kill9();
    // The first worker's cfn-lint never finishes, so the kill surely lands while it validates.
    const doomed = await startChildWorker(config.temporal.taskQueue, {
      ...workerEnv,
      INFRA_AGENT_FAULT_HANG_COMMAND: 'cfn-lint',
    });
    workers.push(doomed);
    const op = (await one.gateway.startStackOperation('deploy-stack', KILL, 'tst', person('alice'))).operationId;
    await eventually(
      () => Promise.resolve(doomed.output().includes('[fault-injection] cfn-lint started') ? true : undefined),
      60_000,
      'validation to start on the first worker',
    );
    workers.push(await startChildWorker(config.temporal.taskQueue, workerEnv));
    await doomed.kill9();
    const pending = await awaitingApproval(op);
    await two.gateway.approve(op, person('bob'), { artifactId: pending.preview?.artifactId ?? '' });
    expect(await one.gateway.result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
    const actions = (await records(op)).map((r) => r.action);
    expect(actions.filter((a) => a === 'validated')).toHaveLength(1);
    expect(actions.filter((a) => a === 'executed')).toHaveLength(1);
    expect(actions.filter((a) => a === 'completed')).toHaveLength(1);
    await chainIntact();
  });
});
