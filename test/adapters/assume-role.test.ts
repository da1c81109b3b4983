import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AccessGrant } from '../../core/access';
import { sessionSeconds, toSourceIdentity } from '../../core/access';
import { createCredentialBroker } from '../../adapters/aws/assume-role';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { testConfig } from '../support/sandbox';

const grant = (notAfterMs: number): AccessGrant => ({
  roleArn: 'arn:aws:iam::123456789012:role/infra-agent-deploy-prd',
  sourceIdentity: 'carol',
  approvalId: 'run-1:1',
  operationId: 'stack/prd/vpc',
  notAfter: new Date(notAfterMs).toISOString(),
});

describe('just-in-time access (STS AssumeRole as the approver)', () => {
  it('GIVEN a grant THEN sessions last at most an hour and never past the grant window', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(sessionSeconds(grant(now + 4 * 3600_000), now)).toBe(3600);
    expect(sessionSeconds(grant(now + 1200_000), now)).toBe(1200);
    expect(sessionSeconds(grant(now + 60_000), now)).toBe(900); // STS minimum; the grant still ends on time
    expect(sessionSeconds(grant(now - 1000), now)).toBeUndefined();
    expect(toSourceIdentity('slack:U0ABC')).toBe('slack-U0ABC');
  });

  it('GIVEN a live grant WHEN credentials are asked for THEN they are the deploy role assumed as the approver', async () => {
    const config = testConfig();
    const aws = createAwsClientFactory(config.aws);
    const broker = createCredentialBroker(aws);
    const g = await broker.credentialsFor(grant(Date.now() + 2 * 3600_000), 'us-east-1');
    expect(g.assumedRoleArn).toBe('arn:aws:sts::123456789012:assumed-role/infra-agent-deploy-prd/infra-agent-carol');
    const sts = new STSClient({ region: 'us-east-1', endpoint: config.aws.endpoint, credentials: g.credentials });
    try {
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(g.assumedRoleArn);
    } finally {
      sts.destroy();
    }
    // A second call inside the session reuses it (same temporary key).
    const again = await broker.credentialsFor(grant(Date.now() + 2 * 3600_000), 'us-east-1');
    expect(again.credentials.accessKeyId).toBe(g.credentials.accessKeyId);
  });

  it('GIVEN the approval window is over WHEN credentials are asked for THEN it fails closed', async () => {
    const broker = createCredentialBroker(createAwsClientFactory(testConfig().aws));
    await expect(broker.credentialsFor(grant(Date.now() - 1000), 'us-east-1')).rejects.toThrow(
      /access window ended at .*; a new approval is needed/,
    );
  });
});
