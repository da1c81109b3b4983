import { validateConfig } from '../../core/config';

const base = {
  temporal: { address: '127.0.0.1:7233' },
  audit: { path: '/tmp/audit.jsonl' },
  users: { alice: { groups: ['platform'] } },
  stacks: {},
  environments: {
    dev: {
      account: '123456789012',
      region: 'us-east-1',
      approval: { groups: ['platform'] },
      cluster: { name: 'dev-eks', kubeContext: 'dev' },
    },
    tst: { account: '123456789012', region: 'us-east-1', approval: { groups: ['platform'] } },
    prd: {
      account: '123456789012',
      region: 'us-east-1',
      approval: { groups: ['platform'] },
      cluster: {
        name: 'prd-eks',
        kubeContext: 'prd',
        traffic: { kind: 'alb', loadBalancerName: '{service}-{env}', targetGroupName: '{service}-{env}-{colour}' },
      },
    },
  },
};

describe('validateConfig: clusters and the services catalog', () => {
  it('GIVEN a service with only the required settings THEN the documented rollout defaults apply', () => {
    const r = validateConfig({
      ...base,
      services: { 'payments-api': { namespace: 'payments', image: 'ghcr.io/example/payments-api' } },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.services['payments-api']).toEqual({
      name: 'payments-api',
      namespace: 'payments',
      image: 'ghcr.io/example/payments-api',
      port: 8080,
      replicas: 2,
      rollout: {
        steps: [10, 50, 100],
        stepSeconds: 30,
        bakeSeconds: 300,
        readyTimeoutSeconds: 300,
        timeBudgetSeconds: 3600,
        analysis: [{ provider: 'pods', maxRestarts: 0 }],
      },
    });
    expect(r.config.environments.dev.cluster).toEqual({
      name: 'dev-eks',
      kubeContext: 'dev',
      namespaceSuffix: '',
      traffic: { kind: 'istio' },
    });
    expect(r.config.environments.prd.cluster?.traffic).toEqual({
      kind: 'alb',
      loadBalancerName: '{service}-{env}',
      listenerPort: 443,
      targetGroupName: '{service}-{env}-{colour}',
    });
  });

  it('GIVEN bad rollout settings THEN every one is named with what to do', () => {
    const r = validateConfig({
      ...base,
      environments: {
        ...base.environments,
        tst: {
          ...base.environments.tst,
          cluster: { name: 'x', kubeContext: 'y', traffic: { kind: 'nginx' } },
        },
      },
      services: {
        Bad_Name: { namespace: 'ok', image: 'ghcr.io/x/y' },
        api: {
          namespace: 'Not_A_Namespace',
          image: 'ghcr.io/example/api:1.0',
          rollout: {
            steps: [50, 10],
            stepWait: 'soon',
            analysis: [
              { provider: 'cloudwatch', namespace: 'AWS/ApplicationELB' },
              { provider: 'http', url: 'ftp://x', minSuccessRate: 2 },
              { provider: 'magic' },
            ],
          },
        },
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.issues.map((i) => `${i.path}: ${i.problem}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^environments\.tst\.cluster\.traffic\.kind: 'nginx' is not a traffic kind; use istio or alb$/,
        ),
        expect.stringMatching(/^services\.Bad_Name: service names are lower-case/),
        expect.stringMatching(/^services\.api\.namespace: 'Not_A_Namespace' is not valid/),
        expect.stringMatching(
          /^services\.api\.image: 'ghcr\.io\/example\/api:1\.0' is not valid; an image repository without tag/,
        ),
        expect.stringMatching(/^services\.api\.rollout\.steps: .* rising percentages ending at 100/),
        expect.stringMatching(/^services\.api\.rollout\.stepWait: 'soon' is not a duration/),
        expect.stringMatching(/^services\.api\.rollout\.analysis\[0\]\.metricName: is missing/),
        expect.stringMatching(/^services\.api\.rollout\.analysis\[0\]\.max: must be a number/),
        expect.stringMatching(/^services\.api\.rollout\.analysis\[1\]\.url: 'ftp:\/\/x' is not valid/),
        expect.stringMatching(/^services\.api\.rollout\.analysis\[1\]\.minSuccessRate: must be from 0 to 1/),
        expect.stringMatching(/^services\.api\.rollout\.analysis\[2\]\.provider: 'magic' is not an analysis provider/),
      ]),
    );
  });

  it('GIVEN an ALB target group name without {colour} THEN it is refused: each colour needs its own group', () => {
    const r = validateConfig({
      ...base,
      environments: {
        ...base.environments,
        prd: {
          ...base.environments.prd,
          cluster: {
            name: 'p',
            kubeContext: 'p',
            traffic: { kind: 'alb', loadBalancerName: 'lb', targetGroupName: 'tg' },
          },
        },
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('environments.prd.cluster.traffic.targetGroupName');
  });
});
