import { CreateStackCommand, DescribeStacksCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { randomUUID } from 'node:crypto';
import type { AccessGrant } from '../../core/access';
import { validateConfig } from '../../core/config';
import { createCredentialBroker } from '../../adapters/aws/assume-role';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { testConfig } from '../support/sandbox';

/**
 * Each environment is its own AWS account: a call made for one never lands in another's (issue 19 item 6). moto
 * keeps a separate backend per account, and credentials from AssumeRole into a role of account X act in X — so
 * where a stack lands is checked, not assumed. The worker's own sandbox credentials are moto's default account,
 * 123456789012.
 */
const TEMPLATE = JSON.stringify({
  Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
});
const envs = (dev: string, tst: string, prd: string) => ({
  dev: { name: 'dev' as const, account: dev },
  tst: { name: 'tst' as const, account: tst },
  prd: { name: 'prd' as const, account: prd },
});
const grant = (roleArn: string): AccessGrant => ({
  roleArn,
  sourceIdentity: 'bob',
  approvalId: `run-${randomUUID()}:1`,
  operationId: 'stack/dev/guard',
  notAfter: new Date(Date.now() + 2 * 3600_000).toISOString(),
});

async function stackExists(
  factory: ReturnType<typeof createAwsClientFactory>,
  name: string,
  credentials?: Awaited<ReturnType<ReturnType<typeof createCredentialBroker>['credentialsFor']>>['credentials'],
): Promise<boolean> {
  const cfn = factory.cloudFormation({ region: 'us-east-1', ...(credentials ? { credentials } : {}) });
  try {
    await cfn.send(new DescribeStacksCommand({ StackName: name }));
    return true;
  } catch (e) {
    if (/does not exist/.test((e as Error).message)) return false;
    throw e;
  } finally {
    cfn.destroy();
  }
}

describe('one account per environment (the account guard on every AWS client)', () => {
  const config = testConfig();
  /** Unguarded: how the test looks at moto without the product's rule in the way. */
  const raw = createAwsClientFactory(config.aws);

  it('GIVEN every environment in the credentials’ own account THEN calls go through', async () => {
    const aws = createAwsClientFactory(config.aws, {
      environments: envs('123456789012', '123456789012', '123456789012'),
    });
    const cfn = aws.cloudFormation({ region: 'us-east-1' });
    try {
      await expect(cfn.send(new ListStacksCommand({}))).resolves.toBeDefined();
    } finally {
      cfn.destroy();
    }
  });

  it('GIVEN credentials of another account THEN a write is refused before anything is sent, naming both accounts', async () => {
    const aws = createAwsClientFactory(config.aws, {
      environments: envs('111111111111', '111111111111', '111111111111'),
    });
    const name = `guard-${randomUUID().slice(0, 8)}`;
    const cfn = aws.cloudFormation({ region: 'us-east-1' });
    try {
      await expect(cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE }))).rejects.toThrow(
        /these AWS credentials belong to account 123456789012, but dev, tst, prd are account 111111111111; refused before sending anything/,
      );
    } finally {
      cfn.destroy();
    }
    expect(await stackExists(raw, name)).toBe(false); // nothing reached moto
  });

  it('GIVEN the environments spread over several accounts in one worker THEN every call is refused (no way to tell which)', async () => {
    const aws = createAwsClientFactory(config.aws, {
      environments: envs('123456789012', '123456789012', '222222222222'),
    });
    const ec2 = aws.ec2({ region: 'us-east-1' });
    const cfn = aws.cloudFormation({ region: 'us-east-1' });
    try {
      await expect(cfn.send(new ListStacksCommand({}))).rejects.toThrow(
        /serves are in 2 AWS accounts \(dev: 123456789012, tst: 123456789012, prd: 222222222222\).*its own task queue and worker/,
      );
    } finally {
      ec2.destroy();
      cfn.destroy();
    }
  });

  it('GIVEN approved credentials assumed into the environment’s account THEN the stack lands there and in no other account', async () => {
    // The deploy role of an environment whose account is 111111111111 (not the worker's own).
    const aws = createAwsClientFactory(config.aws, {
      environments: envs('111111111111', '111111111111', '111111111111'),
    });
    const broker = createCredentialBroker(raw);
    const inDev = await broker.credentialsFor(
      grant('arn:aws:iam::111111111111:role/infra-agent-deploy-dev'),
      'us-east-1',
    );
    expect(inDev.assumedRoleArn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/infra-agent-deploy-dev\//);
    const name = `guard-${randomUUID().slice(0, 8)}`;
    const cfn = aws.cloudFormation({ region: 'us-east-1', credentials: inDev.credentials });
    try {
      await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE }));
    } finally {
      cfn.destroy();
    }
    expect(await stackExists(raw, name, inDev.credentials)).toBe(true);
    expect(await stackExists(raw, name)).toBe(false); // not in the worker's own account

    // Credentials for a role in another account are refused by the same guard, before the call.
    const elsewhere = await broker.credentialsFor(
      grant('arn:aws:iam::222222222222:role/infra-agent-deploy-prd'),
      'us-east-1',
    );
    const other = aws.cloudFormation({ region: 'us-east-1', credentials: elsewhere.credentials });
    const second = `guard-${randomUUID().slice(0, 8)}`;
    try {
      await expect(other.send(new CreateStackCommand({ StackName: second, TemplateBody: TEMPLATE }))).rejects.toThrow(
        /belong to account 222222222222, but dev, tst, prd are account 111111111111/,
      );
    } finally {
      other.destroy();
    }
    expect(await stackExists(raw, second, elsewhere.credentials)).toBe(false);
  });

  it('GIVEN a deploy role in another account than its environment THEN the config is refused, naming the field', () => {
    const r = validateConfig({
      temporal: { address: '127.0.0.1:7233' },
      audit: { path: '/tmp/audit.jsonl' },
      users: { alice: { groups: ['platform'] }, bob: { groups: ['leads'] } },
      environments: {
        dev: { account: '111111111111', region: 'us-east-1', approval: { groups: ['platform'] } },
        tst: { account: '111111111111', region: 'us-east-1', approval: { groups: ['leads'] } },
        prd: {
          account: '222222222222',
          region: 'us-east-1',
          deployRoleArn: 'arn:aws:iam::111111111111:role/infra-agent-deploy-prd',
          approval: { users: ['bob'] },
        },
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.path} ${i.problem}`)).toContainEqual(
      expect.stringMatching(
        /^environments\.prd\.deployRoleArn is a role in account 111111111111, but prd is account 222222222222/,
      ),
    );
  });
});
