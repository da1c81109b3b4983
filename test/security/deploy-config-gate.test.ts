import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { renderPreview } from '../../presentation/text/render';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

/**
 * The stack deploy's trivy config gate (security.scanStackTemplates), on the real Temporal server, the sandbox's AWS
 * endpoint and real trivy: the product's vpc template has CRITICAL network ACL findings (AVD AWS-0102, all ports),
 * so TST (blocks CRITICAL misconfigurations) stops it before any change set, and DEV (report only) shows the
 * verdict on the approval card.
 */
describe('trivy config in the stack deploy workflow', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    const base = withFixtureStacks(testConfig(), { 'cfg-vpc': '../../infra/cloudformation/00-foundation/vpc.yaml' });
    config = { ...base, security: { ...base.security!, scanStackTemplates: true } };
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
    aws = awsClients(config);
  }, 120_000);
  afterAll(async () => {
    aws?.destroy();
    await session?.close();
    await worker?.stop();
  }, 60_000);

  const gw = () => session.gateway;
  const settled = (op: string): Promise<OperationState> =>
    eventually(
      async () => {
        const s = await gw().state(op);
        return s.phase === 'awaiting-approval' || s.phase === 'done' ? s : undefined;
      },
      120_000,
      `${op} to settle`,
    );

  it('TST: the CRITICAL misconfiguration stops the deploy after validation, before any change set; the audit has the verdict', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'cfg-vpc', 'tst', person('alice'))).operationId;
    const s = await settled(op);
    expect(s.outcome).toBe('validation-failed');
    expect(s.message).toMatch(/^security gate \(trivy config\) refused the template: BLOCKED in tst/);
    expect(s.message).toContain('AWS-0102 CRITICAL');
    expect(s.configGate).toMatchObject({ provider: 'trivy', verdict: 'blocked', passed: false });
    expect(await aws.stackStatus('infra-agent-tst-cfg-vpc')).toBeUndefined();
    const gate = (await gw().audit(500)).find((r) => r.operationId === op && r.action === 'security-gate');
    expect(gate?.details).toMatchObject({ verdict: 'blocked', scanner: 'trivy config' });
  }, 180_000);

  it('DEV: report only — the verdict and the worst findings are on the approval card, and the deploy waits for approval', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'cfg-vpc', 'dev', person('alice'))).operationId;
    const s = await settled(op);
    expect(s.phase).toBe('awaiting-approval');
    const card = renderPreview(s);
    expect(card).toMatch(
      /Security gate \(trivy config\): REPORT ONLY in dev: infra\/cloudformation\/00-foundation\/vpc\.yaml: \d+ CRITICAL/,
    );
    expect(card).toContain('  • AWS-0102 CRITICAL');
    await gw().cancel(op, person('alice'));
    await gw().result(op);
  }, 180_000);
});
