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

describe('validateConfig: terminal identity, roots and template paths', () => {
  it('GIVEN nothing said THEN the terminal proves identity, and roots default to infraDir', () => {
    const r = validateConfig(base);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.identity).toEqual({ terminal: 'proven', awsPrincipals: {} });
    expect(r.config.roots).toEqual(['infra']);
  });

  it('GIVEN awsPrincipals and claimed mode THEN both are read', () => {
    const r = validateConfig({
      ...base,
      identity: { terminal: 'claimed' },
      users: { alice: { groups: ['platform'], awsPrincipals: ['arn:aws:sts::123456789012:assumed-role/Eng/alice'] } },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.identity).toEqual({
      terminal: 'claimed',
      awsPrincipals: { alice: ['arn:aws:sts::123456789012:assumed-role/Eng/alice'] },
    });
  });

  it('GIVEN a bad mode, a bad ARN pattern, empty roots and a template with .. inside THEN each is named', () => {
    const r = validateConfig({
      ...base,
      identity: { terminal: 'trust-me' },
      roots: [],
      users: { alice: { groups: ['platform'], awsPrincipals: ['alice@example.com'] } },
      stacks: { vpc: { template: 'cloudformation/../../etc/vpc.yaml' }, ok: { template: '../team/cfn/ok.yaml' } },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.problem]));
    expect(byPath['identity.terminal']).toMatch(/'trust-me' is not a mode; use proven .* or claimed/);
    expect(byPath['users.alice.awsPrincipals']).toMatch(/'alice@example.com' is not an IAM\/STS ARN pattern/);
    expect(byPath.roots).toMatch(/is empty/);
    expect(byPath['stacks.vpc.template']).toMatch(/is not valid; a .yaml\/.json path relative to infraDir/);
    expect(byPath['stacks.ok.template']).toBeUndefined();
    expect(r.issues).toHaveLength(4);
  });
});
