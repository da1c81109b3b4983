import { redactConfig, validateConfig } from '../../core/config';

const valid = {
  temporal: { address: '127.0.0.1:7233' },
  audit: { path: '/tmp/audit.jsonl' },
  users: { alice: { groups: ['platform'] }, bob: { groups: ['leads'] } },
  stacks: { vpc: { template: 'cloudformation/00-foundation/vpc.yaml' } },
  environments: {
    dev: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['leads'] } },
    prd: { account: '123456789012', region: 'eu-west-1', approval: { users: ['bob'], expiry: '30m' } },
  },
};

describe('validateConfig', () => {
  it('GIVEN a minimal valid document THEN fills documented defaults (PRD needs MFA, 1h expiry elsewhere)', () => {
    const r = validateConfig(valid);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.temporal.namespace).toBe('default');
    expect(r.config.temporal.taskQueue).toBe('infra-agent');
    expect(r.config.environments.prd.approval).toEqual({
      users: ['bob'],
      groups: [],
      required: 1,
      expirySeconds: 1800,
      mfa: true,
    });
    expect(r.config.environments.dev.approval.expirySeconds).toBe(3600);
    expect(r.config.environments.dev.approval.mfa).toBe(false);
  });

  it('GIVEN several bad settings THEN names every one of them at once, with what to do', () => {
    const r = validateConfig({
      temporal: { address: 'localhost' },
      audit: {},
      users: { alice: {} },
      environments: {
        dev: { account: '1234', region: 'mars', approval: { groups: ['x'], expiry: 'soon' } },
        tst: { account: '123456789012', region: 'us-east-1', approval: {} },
        prd: { account: '123456789012', region: 'us-east-1', approval: { users: ['zed'], mfa: false } },
        qa: {},
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.problem]));
    expect(byPath['temporal.address']).toMatch(/host:port/);
    expect(byPath['audit.path']).toMatch(/missing/);
    expect(byPath['environments.dev.account']).toMatch(/12-digit/);
    expect(byPath['environments.dev.region']).toMatch(/us-east-1/);
    expect(byPath['environments.dev.approval.expiry']).toMatch(/'soon' is not a duration/);
    expect(byPath['environments.tst.approval']).toMatch(/names no approver/);
    expect(byPath['environments.prd.approval.users']).toMatch(/'zed' is not defined/);
    expect(byPath['environments.prd.approval.mfa']).toMatch(/PRD approvals always need MFA/);
    expect(byPath['environments.qa']).toMatch(/unknown environment/);
    expect(r.issues.length).toBeGreaterThanOrEqual(9);
  });

  it('GIVEN a missing environment THEN says all three must be described', () => {
    const r = validateConfig({ ...valid, environments: { dev: valid.environments.dev, tst: valid.environments.tst } });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues).toContainEqual({
        path: 'environments.prd',
        problem: expect.stringMatching(/describe all of dev, tst, prd/),
      });
  });

  it('GIVEN Slack socket mode without an app token THEN asks for the xapp- token', () => {
    const r = validateConfig({ ...valid, slack: { mode: 'socket', botToken: 'xoxb-1' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'slack.appToken', problem: expect.stringMatching(/xapp-/) });
  });

  it('GIVEN secrets in the config WHEN printed THEN they are redacted', () => {
    const r = validateConfig({
      ...valid,
      aws: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret' },
      slack: { mode: 'http', botToken: 'xoxb-secret-token', signingSecret: 'shh' },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const printed = JSON.stringify(redactConfig(r.config));
    expect(printed).not.toContain('very-secret');
    expect(printed).not.toContain('xoxb-secret-token');
    expect(printed).not.toContain('shh');
    expect(printed).toContain('AKIAEXAMPLE'); // a key id is an identifier, not a secret
    expect(printed).toContain('***redacted***');
  });
});
