import { remediateCommandOf } from '../../core/alerts/alert';
import { renderHelp } from '../../core/commands/help';
import { kubeReadRequest } from '../../core/commands/kube-reads';
import type { KubeFacts } from '../../core/commands/kube-reads';
import { parseCommand } from '../../core/commands/parse';
import { commandLine, toolSpecs } from '../../core/commands/tool-schema';
import type { KubeReadCommand } from '../../core/commands/types';
import type { ProposalContext } from '../../core/llm/proposal';
import { judgeToolUse } from '../../core/llm/proposal';

const ctx = { stacks: ['vpc', 'eks-cluster'], services: ['payments-api', 'checkout-web'], releases: ['sample-app'] };
const parse = (line: string) => parseCommand(line, ctx);
const errorOf = (line: string): string => {
  const p = parse(line);
  if (p.ok) throw new Error(`'${line}' parsed as ${JSON.stringify(p.command)}`);
  return p.error;
};
const schema = (name: string) =>
  toolSpecs(ctx).find((t) => t.name === name)!.inputSchema.json as {
    properties: Record<string, { enum?: string[]; pattern?: string }>;
    required: string[];
  };

describe('Kubernetes read commands (grammar, help, tool schema)', () => {
  it.each([
    ['pods payments-api dev', { name: 'service-pods', service: 'payments-api', env: 'dev' }],
    ['pods of checkout-web in production', { name: 'service-pods', service: 'checkout-web', env: 'prd' }],
    ['deployments payments-api prd', { name: 'service-deployments', service: 'payments-api', env: 'prd' }],
    ['workloads payments-api in test', { name: 'service-deployments', service: 'payments-api', env: 'tst' }],
    ['events checkout-web dev', { name: 'service-events', service: 'checkout-web', env: 'dev' }],
    ['services payments-api in dev', { name: 'service-services', service: 'payments-api', env: 'dev' }],
    [
      'logs payments-api-blue-7d9c6b5f4-x2x7q payments-api dev',
      { name: 'pod-logs', pod: 'payments-api-blue-7d9c6b5f4-x2x7q', service: 'payments-api', env: 'dev' },
    ],
    ['helm history sample-app tst', { name: 'helm-history', release: 'sample-app', env: 'tst' }],
    ['rollout status payments-api dev', { name: 'rollout-status', service: 'payments-api', env: 'dev' }],
    ['rollout status of checkout-web in prod', { name: 'rollout-status', service: 'checkout-web', env: 'prd' }],
    [
      'describe pod/payments-api-blue-7d9c6b5f4-x2x7q payments-api dev',
      { name: 'describe', object: 'pod/payments-api-blue-7d9c6b5f4-x2x7q', service: 'payments-api', env: 'dev' },
    ],
    [
      'describe deployment/payments-api-green of payments-api in tst',
      { name: 'describe', object: 'deployment/payments-api-green', service: 'payments-api', env: 'tst' },
    ],
    [
      'describe service/payments-api payments-api prd',
      { name: 'describe', object: 'service/payments-api', service: 'payments-api', env: 'prd' },
    ],
    ['helm diff sample-app dev', { name: 'helm-diff', release: 'sample-app', env: 'dev' }],
    ['helm diff sample-app in production', { name: 'helm-diff', release: 'sample-app', env: 'prd' }],
  ])('GIVEN `%s` THEN it parses to a typed read whose canonical line parses back the same', (line, command) => {
    const p = parse(line);
    expect(p).toEqual({ ok: true, command });
    if (p.ok) expect(parse(commandLine(p.command))).toEqual(p);
  });

  it.each([
    ['pods payment-api dev', "'payment-api' is not a known service — did you mean 'payments-api'?"],
    ['pods vpc dev', "'vpc' is a stack, not a service"],
    ['pods payments-api staging', "'staging' is not an environment"],
    ['logs Payments_API payments-api dev', "'Payments_API' is not a pod name"],
    ['logs checkout-web-blue-1 payments-api dev', "'checkout-web-blue-1' is not a pod of payments-api"],
    ['helm history nginx dev', "'nginx' is not a known release"],
    [
      'rollout status paymnts-api dev',
      "rollout status {service} {env}: service: 'paymnts-api' is not a known service — did you mean 'payments-api'?",
    ],
    ['helm diff nginx dev', "helm diff {release} {env}: release: 'nginx' is not a known release"],
    [
      'describe pods/payments-api-blue-1 payments-api dev',
      "describe {object} {service} {env}: object: 'pods/payments-api-blue-1' is not an object to describe; write pod/<name>, deployment/<name> or service/<name>, e.g. pod/payments-api-blue-7d9c6b5f4-x2x7q",
    ],
    [
      'describe secret/payments-api payments-api dev',
      "object: 'secret/payments-api' is not an object to describe; write pod/<name>, deployment/<name> or service/<name>",
    ],
    [
      'describe pod/checkout-web-blue-1 payments-api dev',
      "describe {object} {service} {env}: object: 'pod/checkout-web-blue-1' is not one of payments-api's (their names are payments-api or payments-api-…), e.g. pod/payments-api-blue-…",
    ],
    [
      'describe deployment/ledger payments-api dev',
      "object: 'deployment/ledger' is not one of payments-api's (their names are payments-api or payments-api-…), e.g. deployment/payments-api-blue;",
    ],
    ['describe deployment/payments-api-green payments-api staging', "env: 'staging' is not an environment"],
  ])('GIVEN bad input `%s` THEN the error names the slot and what is wrong', (line, message) => {
    expect(errorOf(line)).toContain(message);
  });

  it('GIVEN a bad describe object THEN the suggestions are the command’s examples', () => {
    const p = parse('describe payments-api-blue-1 payments-api dev');
    expect(p).toMatchObject({
      ok: false,
      suggestions: [
        'describe pod/payments-api-blue-7d9c6b5f4-x2x7q payments-api dev',
        'describe deployment/payments-api-green payments-api dev',
      ],
    });
  });

  it('GIVEN no services in the config THEN the error says how to add them', () => {
    const p = parseCommand('pods payments-api dev', { stacks: ['vpc'] });
    expect(p.ok ? '' : p.error).toContain('Known services: none (add services: to the config)');
  });

  it('GIVEN help THEN every Kubernetes read is listed, and `help logs` explains the pod slot', () => {
    const all = renderHelp();
    for (const p of [
      'pods {service} {env}',
      'deployments {service} {env}',
      'events {service} {env}',
      'logs {pod} {service} {env}',
      'helm history {release} {env}',
      'rollout status {service} {env}',
      'describe {object} {service} {env}',
      'helm diff {release} {env}',
    ])
      expect(all).toContain(p);
    for (const topic of ['describe', 'helm-diff', 'rollout-status']) {
      expect(renderHelp(topic)).not.toContain('[changes infrastructure');
    }
    expect(renderHelp('describe')).toContain(
      '{object}: pod/<name>, deployment/<name> or service/<name> of the service',
    );
    expect(renderHelp('logs')).toMatch(/\{pod\}: pod name as `pods` shows it/);
    expect(renderHelp('logs')).not.toContain('[changes infrastructure');
  });

  it('GIVEN the tool schema THEN services and releases are enums and a pod name is a DNS-1123 pattern', () => {
    expect(schema('service-pods').properties.service?.enum).toEqual(['payments-api', 'checkout-web']);
    expect(schema('helm-history').properties.release?.enum).toEqual(['sample-app']);
    const pod = new RegExp(schema('pod-logs').properties.pod!.pattern!);
    expect(pod.test('payments-api-blue-7d9c6b5f4-x2x7q')).toBe(true);
    expect(pod.test('Payments_API')).toBe(false);
    expect(schema('pod-logs').required).toEqual(['pod', 'service', 'env']);
    const object = new RegExp(schema('describe').properties.object!.pattern!);
    expect(object.test('deployment/payments-api-green')).toBe(true);
    expect(object.test('secret/payments-api')).toBe(false);
    expect(object.test('pod/../x')).toBe(false);
    expect(schema('describe').required).toEqual(['object', 'service', 'env']);
    expect(schema('helm-diff').properties.release?.enum).toEqual(['sample-app']);
    expect(schema('rollout-status').required).toEqual(['service', 'env']);
  });

  it('GIVEN model tool calls for the new reads THEN they are reads and never writes', () => {
    const pctx: ProposalContext = {
      ...ctx,
      permissions: { userId: 'alice', known: true, approverIn: [] },
      autoRun: { environments: ['dev'], unscoped: false },
    };
    const judge = (name: string, input: unknown) => judgeToolUse({ toolUseId: 't', name, input }, pctx);
    expect(judge('helm-diff', { release: 'sample-app', env: 'dev' })).toMatchObject({
      line: 'helm diff sample-app dev',
      effect: 'read',
      autoRun: true,
    });
    expect(judge('rollout-status', { service: 'payments-api', env: 'prd' })).toMatchObject({
      line: 'rollout status payments-api prd',
      effect: 'read',
      autoRun: false,
    });
    // A model proposing another service's pod gets the grammar's refusal, not a read.
    expect(judge('describe', { object: 'pod/checkout-web-blue-1', service: 'payments-api', env: 'dev' })).toMatchObject(
      { kind: 'grammar', reason: expect.stringContaining("is not one of payments-api's") },
    );
  });

  it('GIVEN the catalog and a cluster THEN each read becomes the agent request in namespace + suffix, label app=<service>', () => {
    const facts: KubeFacts = {
      serviceNamespaces: { 'payments-api': 'payments' },
      releaseNamespaces: { 'sample-app': 'sample' },
      clusters: { dev: { name: 'sandbox', namespaceSuffix: '-dev' } },
    };
    const req = (line: string) => {
      const p = parse(line);
      if (!p.ok) throw new Error(p.error);
      return kubeReadRequest(p.command as KubeReadCommand, facts);
    };
    expect(req('pods payments-api dev')).toEqual({
      environment: 'dev',
      tool: 'kubectl',
      request: { kind: 'get', resource: 'pods', namespace: 'payments-dev', selector: 'app=payments-api' },
    });
    expect(req('deployments payments-api dev').request).toMatchObject({ resource: 'deployments' });
    expect(req('events payments-api dev').request).toEqual({ kind: 'events', namespace: 'payments-dev' });
    expect(req('logs payments-api-blue-1 payments-api dev').request).toEqual({
      kind: 'logs',
      namespace: 'payments-dev',
      pod: 'payments-api-blue-1',
      tailLines: 100,
    });
    expect(req('helm history sample-app dev')).toEqual({
      environment: 'dev',
      tool: 'helm',
      request: { kind: 'helm-history', namespace: 'sample-dev', release: 'sample-app' },
    });
    expect(req('rollout status payments-api dev')).toEqual({
      environment: 'dev',
      tool: 'kubectl',
      request: {
        kind: 'rollout-status',
        namespace: 'payments-dev',
        resource: 'deployment',
        selector: 'app=payments-api',
      },
    });
    expect(req('describe pod/payments-api-blue-1 payments-api dev').request).toEqual({
      kind: 'describe',
      namespace: 'payments-dev',
      resource: 'pods',
      name: 'payments-api-blue-1',
    });
    expect(req('describe service/payments-api payments-api dev').request).toMatchObject({
      resource: 'services',
      name: 'payments-api',
    });
    // helm diff compares with the catalog's chart and values, as an upgrade would install them.
    expect(() => req('helm diff sample-app dev')).toThrow(
      "release: 'sample-app' has no chart in the catalog; set releases.sample-app.chart",
    );
    const withCharts: KubeFacts = {
      ...facts,
      releaseCharts: { 'sample-app': { chart: './infra/helm/charts/sample-app', values: { replicaCount: 2 } } },
    };
    expect(kubeReadRequest({ name: 'helm-diff', release: 'sample-app', env: 'dev' }, withCharts)).toEqual({
      environment: 'dev',
      tool: 'helm',
      request: {
        kind: 'helm-diff',
        namespace: 'sample-dev',
        release: 'sample-app',
        chart: './infra/helm/charts/sample-app',
        values: { replicaCount: 2 },
      },
    });
    // A command built by hand (not parsed) is checked again: another service's object is refused.
    expect(() =>
      kubeReadRequest({ name: 'describe', object: 'pod/ledger-blue-1', service: 'payments-api', env: 'dev' }, facts),
    ).toThrow("object: 'pod/ledger-blue-1' is not one of payments-api's");
    expect(() => req('pods payments-api prd')).toThrow(
      'environment: prd has no cluster; add environments.prd.cluster (name, kubeContext) to the config',
    );
    expect(() => req('pods checkout-web dev')).toThrow("service: 'checkout-web' is not in the catalog");
  });
});

describe('rollout commands (grammar, help, tool schema)', () => {
  it.each([
    ['rollout payments-api 1.4.2 to dev', { name: 'rollout', service: 'payments-api', version: '1.4.2', env: 'dev' }],
    [
      'deploy checkout-web 2.0.0-rc1 to tst',
      { name: 'rollout', service: 'checkout-web', version: '2.0.0-rc1', env: 'tst' },
    ],
    ['roll out payments-api v7 to prod', { name: 'rollout', service: 'payments-api', version: 'v7', env: 'prd' }],
    ['rollback payments-api prd', { name: 'rollback', service: 'payments-api', env: 'prd' }],
    ['roll back checkout-web in dev', { name: 'rollback', service: 'checkout-web', env: 'dev' }],
    ['pause rollout/dev/payments-api', { name: 'rollout-pause', op: 'rollout/dev/payments-api' }],
    ['resume rollout rollout/tst/payments-api', { name: 'rollout-resume', op: 'rollout/tst/payments-api' }],
    ['abort rollout/prd/checkout-web', { name: 'rollout-abort', op: 'rollout/prd/checkout-web' }],
    ['status rollout/dev/payments-api', { name: 'operation-status', op: 'rollout/dev/payments-api' }],
    ['approve rollout/dev/payments-api', { name: 'approve', op: 'rollout/dev/payments-api' }],
  ])('GIVEN `%s` THEN it parses to a typed command whose canonical line parses back the same', (line, command) => {
    const p = parse(line);
    expect(p).toEqual({ ok: true, command });
    if (p.ok) expect(parse(commandLine(p.command))).toEqual(p);
  });

  it('GIVEN `deploy <x> to <env>` THEN a stack stays a stack deploy, and a service is told it needs a version', () => {
    expect(parse('deploy vpc to dev')).toEqual({
      ok: true,
      command: { name: 'deploy-stack', stack: 'vpc', env: 'dev' },
    });
    expect(parse('deploy stack vpc to dev')).toMatchObject({ ok: true, command: { name: 'deploy-stack' } });
    expect(errorOf('deploy payments-api to prd')).toContain(
      "'payments-api' is a service, not a stack: services are rolled out with a version, e.g. rollout payments-api 1.2.3 to dev",
    );
    // A stack is never rolled out: the service slot says so.
    expect(errorOf('rollout vpc 1.0 to dev')).toContain("'vpc' is a stack, not a service");
  });

  it.each([
    ['rollout payments-api to dev', 'I did not understand'],
    ['rollout payments-api .hidden to dev', "'.hidden' is not an image tag"],
    ['rollout payments-api 1.0 to staging', "'staging' is not an environment"],
    [
      'pause stack/dev/vpc',
      "'stack/dev/vpc' is not a rollout; pause, resume and abort apply to rollouts (rollout/<env>/<service>); to stop a stack change before it runs: cancel stack/dev/vpc",
    ],
    [
      'abort rollout/qa/payments-api',
      "'rollout/qa/payments-api' is not a rollout operation id; ids look like rollout/dev/payments-api",
    ],
    ['approve deploy/dev/vpc', 'ids look like stack/dev/vpc, rollout/dev/payments-api or helm/dev/sample-app'],
  ])('GIVEN bad input `%s` THEN the error says what is wrong', (line, message) => {
    expect(errorOf(line)).toContain(message);
  });

  it('GIVEN help THEN rollouts are marked as changes, `help rollout` shows the family and `help deploy` shows both catalogs', () => {
    expect(renderHelp('rollout')).toMatch(/^rollout \{service\} \{version\} to \{env\} {4}\[changes infrastructure/);
    expect(renderHelp('rollout')).toContain('pause {op}');
    expect(renderHelp('rollout')).toContain('abort {op}');
    expect(renderHelp('deploy')).toContain('deploy stack {stack} to {env}');
    expect(renderHelp('deploy')).toContain('rollout {service} {version} to {env}');
    expect(renderHelp('pause')).not.toContain('[changes infrastructure');
  });

  it('GIVEN the tool schema THEN the version is a tag pattern, the service an enum, and pause/resume/abort take rollout ids only', () => {
    const r = schema('rollout');
    expect(r.required).toEqual(['service', 'version', 'env']);
    expect(r.properties.service?.enum).toEqual(['payments-api', 'checkout-web']);
    expect(new RegExp(r.properties.version!.pattern!).test('1.4.2')).toBe(true);
    expect(new RegExp(r.properties.version!.pattern!).test('-x')).toBe(false);
    const op = new RegExp(schema('rollout-abort').properties.op!.pattern!);
    expect(op.test('rollout/prd/payments-api')).toBe(true);
    expect(op.test('stack/prd/vpc')).toBe(false);
    expect(toolSpecs(ctx).find((t) => t.name === 'rollout')!.description).toMatch(/needs approval/);
  });

  it('GIVEN model tool calls THEN rollouts are writes that never auto-run and pause/resume/abort are decisions', () => {
    const pctx: ProposalContext = {
      ...ctx,
      permissions: { userId: 'alice', known: true, approverIn: ['dev'] },
      autoRun: { environments: ['dev'], unscoped: true },
    };
    const judge = (name: string, input: unknown) => judgeToolUse({ toolUseId: 't', name, input }, pctx);
    expect(judge('rollout', { service: 'payments-api', version: '1.4.2', env: 'dev' })).toEqual({
      command: { name: 'rollout', service: 'payments-api', version: '1.4.2', env: 'dev' },
      line: 'rollout payments-api 1.4.2 to dev',
      effect: 'write',
      autoRun: false,
    });
    expect(judge('rollout-abort', { op: 'rollout/dev/payments-api' })).toMatchObject({
      effect: 'decision',
      autoRun: false,
    });
    expect(judge('service-pods', { service: 'payments-api', env: 'dev' })).toMatchObject({
      effect: 'read',
      autoRun: true,
    });
    expect(judge('rollout', { service: 'payments-api', version: '1.4.2 to prd', env: 'dev' })).toMatchObject({
      kind: 'grammar',
      reason: expect.stringMatching(/single word/),
    });
    const stranger: ProposalContext = { ...pctx, permissions: { userId: 'slack:U9', known: false, approverIn: [] } };
    expect(
      judgeToolUse({ toolUseId: 't', name: 'rollout-pause', input: { op: 'rollout/dev/payments-api' } }, stranger),
    ).toMatchObject({
      kind: 'permission',
    });
  });
});

describe('Helm write commands (grammar, tool schema, effects)', () => {
  it.each([
    ['helm install sample-app dev', { name: 'helm-install', release: 'sample-app', env: 'dev' }],
    ['helm upgrade sample-app in prd', { name: 'helm-upgrade', release: 'sample-app', env: 'prd' }],
    ['helm rollback sample-app 2 tst', { name: 'helm-rollback', release: 'sample-app', revision: 2, env: 'tst' }],
    ['helm rollback sample-app to 3 in dev', { name: 'helm-rollback', release: 'sample-app', revision: 3, env: 'dev' }],
  ])('GIVEN `%s` THEN it parses to a typed write whose canonical line parses back the same', (line, command) => {
    const p = parse(line);
    expect(p).toEqual({ ok: true, command });
    if (p.ok) expect(parse(commandLine(p.command))).toEqual(p);
  });

  it('GIVEN a bad release or revision THEN the error names the slot and what is accepted', () => {
    expect(errorOf('helm upgrade nginx dev')).toBe(
      "helm upgrade {release} {env}: release: 'nginx' is not a known release. Known releases: sample-app",
    );
    expect(errorOf('helm rollback sample-app latest dev')).toMatch(/revision: 'latest' is not a count/);
  });

  it('GIVEN model tool calls THEN helm writes never auto-run, even where reads do', () => {
    const pctx: ProposalContext = {
      ...ctx,
      permissions: { userId: 'alice', known: true, approverIn: ['dev'] },
      autoRun: { environments: ['dev'], unscoped: true },
    };
    expect(
      judgeToolUse({ toolUseId: 't', name: 'helm-upgrade', input: { release: 'sample-app', env: 'dev' } }, pctx),
    ).toMatchObject({ line: 'helm upgrade sample-app dev', effect: 'write', autoRun: false });
    expect(schema('helm-rollback').required.sort()).toEqual(['env', 'release', 'revision']);
  });
});

describe('remediate service (grammar, and the line a Kubernetes drift alert runs)', () => {
  it.each([
    ['remediate service payments-api dev', { name: 'remediate-service', service: 'payments-api', env: 'dev' }],
    ['remediate service checkout-web in prod', { name: 'remediate-service', service: 'checkout-web', env: 'prd' }],
    ['remediate vpc dev', { name: 'remediate-stack', stack: 'vpc', env: 'dev' }],
  ])('GIVEN %s THEN it parses to %j', (line, command) => {
    expect(parse(line)).toEqual({ ok: true, command });
  });

  it('GIVEN a name that is not a catalog service THEN the error names the services', () => {
    expect(errorOf('remediate service nope-api dev')).toContain('payments-api');
  });

  it.each([
    ['drift/tst/service-payments-api', { name: 'remediate-service', service: 'payments-api', env: 'tst' }],
    ['drift/prd/release-sample-app', { name: 'helm-upgrade', release: 'sample-app', env: 'prd' }],
  ])('GIVEN the alert %s THEN its Remediate line parses to %j', (key, command) => {
    expect(parse(remediateCommandOf(key)!)).toEqual({ ok: true, command });
  });
});
