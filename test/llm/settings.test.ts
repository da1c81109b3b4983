import { validateConfig } from '../../core/config';

const base = {
  temporal: { address: '127.0.0.1:7233' },
  audit: { path: '/tmp/audit.jsonl' },
  users: { alice: { groups: ['platform'] } },
  stacks: { vpc: { template: 'cloudformation/00-foundation/vpc.yaml' } },
  environments: {
    dev: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    prd: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
  },
};

describe('the optional llm: configuration section', () => {
  it('GIVEN no llm section THEN there is no model (grammar and near-miss matcher only)', () => {
    const r = validateConfig(base);
    expect(r.ok && r.config.llm).toBeUndefined();
  });

  it('GIVEN only a model id THEN the documented defaults apply: deterministic, 30 s calls, bounded diagnosis, reads auto-run outside PRD', () => {
    const r = validateConfig({ ...base, llm: { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' } });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.llm).toEqual({
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      region: 'us-east-1',
      maxTokens: 1024,
      temperature: 0,
      timeoutMs: 30_000,
      maxAttempts: 4,
      backoffMs: 2_000,
      diagnose: { maxSteps: 6, maxTokens: 40_000, timeBudgetMs: 120_000 },
      autoRunReads: { environments: ['dev', 'tst'], unscoped: true },
    });
  });

  it('GIVEN bad llm settings THEN every one is named with what to do', () => {
    const r = validateConfig({
      ...base,
      llm: {
        region: 'mars',
        endpoint: 'localhost:9',
        temperature: 3,
        timeout: 'soon',
        diagnose: { maxSteps: 0 },
        autoRunReads: { environments: ['staging'], unscoped: 'yes' },
      },
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual([
      'llm.modelId',
      'llm.region',
      'llm.endpoint',
      'llm.autoRunReads.environments',
      'llm.autoRunReads.unscoped',
      'llm.temperature',
      'llm.timeout',
      'llm.diagnose.maxSteps',
    ]);
  });
});
