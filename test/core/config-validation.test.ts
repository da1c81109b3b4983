import { validateConfig } from '../../core/config';

const base = {
  temporal: { address: '127.0.0.1:7233' },
  audit: { path: '/tmp/audit.jsonl' },
  users: { alice: { groups: ['platform'] } },
  stacks: {},
  environments: {
    dev: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    prd: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
  },
};

describe('validateConfig: validation policy', () => {
  it('GIVEN an organisation policy and a suppression with a reason THEN both are read', () => {
    const r = validateConfig({
      ...base,
      validation: {
        organisation: { mandatoryTags: ['CostCenter', 'Owner'], iacVersionParameter: null },
        suppressions: [{ rule: 'SC7_NO_AUTO_PUBLIC_IPS', resource: 'PublicSubnet', reason: 'ALB subnets; SEC-123' }],
      },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.validation).toEqual({
      organisation: { mandatoryTags: ['CostCenter', 'Owner'], iacVersionParameter: null },
      suppressions: [{ rule: 'SC7_NO_AUTO_PUBLIC_IPS', resource: 'PublicSubnet', reason: 'ALB subnets; SEC-123' }],
    });
  });

  it('GIVEN a suppression without a reason THEN the config is refused, naming the field', () => {
    const r = validateConfig({ ...base, validation: { suppressions: [{ rule: 'SC7_NO_AUTO_PUBLIC_IPS' }] } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      {
        path: 'validation.suppressions[0].reason',
        problem: 'is missing; say why the finding does not apply; a suppression without a reason is refused',
      },
    ]);
  });
});
