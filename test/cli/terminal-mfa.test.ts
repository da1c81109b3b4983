import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import { executeLine } from '../../cli/execute';
import type { TerminalMfa } from '../../cli/execute';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

/** PRD approvals from the terminal: step-up TOTP against the same store the Slack bot uses. */
describe('terminal: PRD approvals with an MFA code', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let verifier: TotpMfaVerifier;
  let secret: string;

  beforeAll(async () => {
    config = withFixtureStacks(testConfig(), { 'mfa-term': 'stacks/audit-log-group.yaml' });
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
    verifier = new TotpMfaVerifier({
      path: join(mkdtempSync(join(tmpdir(), 'mfa-')), 'mfa-secrets.json'),
      key: randomBytes(32),
    });
    secret = (await verifier.enroll('bob')).secret;
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  const run = async (line: string, mfa?: TerminalMfa) => {
    const lines: string[] = [];
    const code = await executeLine(
      session,
      person('bob'),
      line,
      { out: (s) => lines.push(s), err: (s) => lines.push(s) },
      { pollMs: 100, ...(mfa ? { mfa } : {}) },
    );
    return { code, text: lines.join('\n') };
  };
  const withCode = (c: string | undefined): TerminalMfa => ({ verifier, askCode: () => Promise.resolve(c) });

  it('GIVEN a PRD deploy awaiting approval THEN no MFA store, a wrong code or an approver without an authenticator are refused and audited; the right code approves it', async () => {
    const op = (await session.gateway.startStackOperation('deploy-stack', 'mfa-term', 'prd', person('alice')))
      .operationId;
    await eventually(
      async () => ((await session.gateway.state(op)).phase === 'awaiting-approval' ? true : undefined),
      90_000,
      'approval wait',
    );

    const none = await run(`approve ${op}`);
    expect(none.code).toBe(1);
    expect(none.text).toMatch(/approvals in prd need an MFA code, and this terminal has no MFA store/);

    const wrong = await run(`approve ${op}`, withCode('000000'));
    expect(wrong.code).toBe(1);
    expect(wrong.text).toContain('That code is not valid right now');

    const stranger = await executeLine(
      session,
      person('carol'),
      `approve ${op}`,
      { out: () => undefined, err: () => undefined },
      { mfa: withCode('123456') },
    );
    expect(stranger).toBe(1); // carol has no authenticator enrolled

    const good = await run(`approve ${op}`, withCode(await generate({ secret })));
    expect(good.code).toBe(0);
    expect(good.text).toContain('approved by bob');
    const done: OperationState = await session.gateway.result(op);
    expect(done).toMatchObject({ outcome: 'succeeded', approvals: [{ approver: 'bob', mfa: true, via: 'cli' }] });

    const refused = (await session.gateway.audit(500)).filter(
      (r) => r.operationId === op && r.action === 'approval-refused',
    );
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.map((r) => String(r.details?.reason))).toEqual(
      expect.arrayContaining([expect.stringContaining('requires MFA')]),
    );
  }, 180_000);
});
