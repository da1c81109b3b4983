import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditChain } from '../../adapters/audit/chain';
import type { AuditRecord } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { closeStateStores, openStateStores } from '../../worker/state-compose';
import { testDatabaseUrl } from '../support/postgres';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

// The product on store: postgres — a worker and two front ends (two gateways) over one database: a deploy's whole
// audit trail lands in PostgreSQL (no file), and a proposal decided in one front end is refused in the other.
describe('the product with store: postgres', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let one: GatewaySession;
  let two: GatewaySession;
  const auditDir = mkdtempSync(join(tmpdir(), 'product-pg-'));

  beforeAll(async () => {
    process.env.INFRA_AGENT_TEST_STORE_URL = await testDatabaseUrl(__filename);
    config = withFixtureStacks(
      testConfig({
        store: { kind: 'postgres', urlEnv: 'INFRA_AGENT_TEST_STORE_URL', poolSize: 5 },
        audit: { path: join(auditDir, 'audit.jsonl') },
      }),
      { 'logs-pg': 'stacks/audit-log-group.yaml' },
    );
    worker = await startWorker(config);
    one = await openGateway(config, { pollMs: 100 });
    two = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await worker?.stop();
    await closeStateStores();
  });

  it('GIVEN a deploy requested in one front end and approved in the other THEN every step is audited in the database, chained', async () => {
    const started = await one.gateway.startStackOperation('deploy-stack', 'logs-pg', 'dev', person('alice'));
    const pending = await eventually(
      async () => {
        const s = await two.gateway.state(started.operationId);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      60_000,
      'the deploy to await approval',
    );
    await two.gateway.approve(started.operationId, person('bob'), { artifactId: pending.preview?.artifactId ?? '' });
    expect(await one.gateway.result(started.operationId)).toMatchObject({ outcome: 'succeeded' });
    const records: AuditRecord[] = await openStateStores(config).audit.forOperation(started.operationId);
    expect(records.map((r) => `${r.action}:${r.actor}`)).toEqual([
      'requested:alice',
      'validated:infra-agent',
      'previewed:infra-agent',
      'approved:bob',
      'executed:infra-agent',
      'completed:infra-agent',
    ]);
    const all = (await openStateStores(config).audit.exportJsonLines())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    expect(verifyAuditChain(all)).toBeUndefined();
    expect(existsSync(config.audit.path)).toBe(false);
  });

  it('GIVEN a proposal Run in one front end THEN a Cancel of it in the other is refused, naming the first decision', async () => {
    const lines = ['deploy logs-pg dev'];
    await one.gateway.recordProposalDecision('interpret/pg-1', 'accepted', lines, person('alice'));
    await expect(
      two.gateway.recordProposalDecision('interpret/pg-1', 'declined', lines, person('carol')),
    ).rejects.toThrow(/interpret\/pg-1 was already run by alice at .*; nothing was run/);
  });
});
