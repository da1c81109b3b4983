import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { buildOperationMessage } from '../../presentation/slack/operation-message';
import { DeliveryDedupe } from '../../bot/dedupe';
import { slackIdentity } from '../../bot/identity';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import type { OperationState, ResourceChange } from '../../core/operations';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { testConfig } from '../support/sandbox';

describe('Slack front end building blocks (no servers)', () => {
  it('GIVEN an enrolled approver THEN a current code passes once, a reused or wrong one does not, and the secret is not on disk in clear', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mfa-')), 'mfa.json');
    const mfa = new TotpMfaVerifier({ path, key: randomBytes(32) });
    expect(await mfa.verify('bob', '123456')).toBe('not-enrolled');
    const { secret, otpauthUri } = await mfa.enroll('bob');
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/infra-agent:bob\?secret=[A-Z2-7]+&issuer=infra-agent$/);
    expect(readFileSync(path, 'utf8')).not.toContain(secret);
    const code = await generate({ secret });
    expect(await mfa.verify('bob', code)).toBe('ok');
    expect(await mfa.verify('bob', code)).toBe('reused');
    expect(await mfa.verify('bob', code === '000000' ? '111111' : '000000')).toBe('wrong');
    // A different key cannot read the stored secret (GCM authentication fails).
    await expect(new TotpMfaVerifier({ path, key: randomBytes(32) }).verify('bob', code)).rejects.toThrow();
  });

  it('GIVEN a delivery id THEN it is handled once within the TTL and again after it', () => {
    let now = 0;
    const d = new DeliveryDedupe(1000, () => now);
    expect([d.first('a'), d.first('a'), d.first('b')]).toEqual([true, false, true]);
    now = 1500;
    expect(d.first('a')).toBe(true);
  });

  it('GIVEN a Slack user THEN only the configured user id with the configured team is that person', () => {
    const config = testConfig();
    expect(slackIdentity(config, { userId: 'U0BOB0001', teamId: 'T0SANDBOX' }, 'r1')).toMatchObject({
      known: true,
      requester: { userId: 'bob', via: 'slack', requestId: 'r1' },
    });
    expect(slackIdentity(config, { userId: 'U0BOB0001', teamId: 'T0OTHER' }, 'r2')).toMatchObject({
      known: false,
      requester: { userId: 'slack:U0BOB0001' },
    });
    expect(slackIdentity(config, { userId: 'U0NOBODY', teamId: 'T0SANDBOX' }, 'r3').known).toBe(false);
  });

  it('GIVEN a huge preview with long names and many findings THEN the status message stays within Slack limits', () => {
    const config = testConfig();
    const changes: ResourceChange[] = Array.from({ length: 400 }, (_, i) => ({
      action: i % 3 === 0 ? 'Remove' : 'Modify',
      logicalId: `Resource${i}${'x'.repeat(60)}`,
      resourceType: 'AWS::EC2::SecurityGroup',
      replacement: 'True',
    }));
    const state: OperationState = {
      operationId: 'stack/prd/vpc',
      kind: 'deploy-stack',
      environment: 'prd',
      target: `infra-agent-prd-${'v'.repeat(200)}`,
      requester: { userId: 'alice', displayName: 'Alice', via: 'slack', requestId: 'r' },
      startedAt: new Date().toISOString(),
      phase: 'awaiting-approval',
      findings: Array.from(
        { length: 300 },
        (_, i) =>
          ({
            severity: 'warning',
            rule: `R${i}`,
            message: 'm'.repeat(300),
            source: 'cfn-lint',
            file: 'f.yaml',
          }) as never,
      ),
      preview: {
        artifactId: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/ia-${'a'.repeat(40)}/x`,
        stackName: 's',
        changes,
      },
      approvalsRequired: 2,
      approvals: [],
      approvalDeadline: new Date().toISOString(),
      events: [],
    };
    const m = buildOperationMessage(state, { env: config.environments.prd, mention: (u) => u });
    expect(blockKitViolations(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toContain('"action_id":"operation_approve"');
    expect(JSON.stringify(m.blocks)).toContain('approvers confirm with an MFA code');
  });
});
