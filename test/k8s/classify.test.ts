import { InvalidInput, PermissionDenied } from '../../core/errors';
import { classify } from '../../core/k8s/classify';
import { checkKubeconfig } from '../../core/k8s/kubeconfig-policy';
import { diffManifests } from '../../core/k8s/manifest-diff';
import type { K8sRequest } from '../../core/k8s/request';
import { truncateTail } from '../../core/k8s/summarize';
import { validateK8sRequest } from '../../core/k8s/validate';

const CTX = 'sandbox';
const chart = { release: 'hello', chart: './test/fixtures/charts/hello' };

/** One request of every kind, each valid. */
const EVERY_KIND: readonly [K8sRequest, 'read' | 'write'][] = [
  [{ kind: 'get', namespace: 'default', resource: 'pods', selector: 'app=web' }, 'read'],
  [{ kind: 'describe', namespace: 'default', resource: 'deployments', name: 'web' }, 'read'],
  [{ kind: 'events', namespace: 'default', forObject: { resource: 'deployments', name: 'web' } }, 'read'],
  [{ kind: 'logs', namespace: 'default', pod: 'web-abc', tailLines: 50 }, 'read'],
  [{ kind: 'rollout-status', namespace: 'default', resource: 'deployment', name: 'web' }, 'read'],
  [{ kind: 'helm-history', namespace: 'hello', release: 'hello' }, 'read'],
  [{ kind: 'helm-diff', namespace: 'hello', ...chart }, 'read'],
  [{ kind: 'helm-install', namespace: 'hello', ...chart }, 'write'],
  [{ kind: 'helm-upgrade', namespace: 'hello', ...chart, values: { replicaCount: 3 } }, 'write'],
  [{ kind: 'helm-rollback', namespace: 'hello', release: 'hello', revision: 1 }, 'write'],
];

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInput);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('classify', () => {
  it.each(EVERY_KIND)('GIVEN %j WHEN classified THEN it is %s', (request, access) => {
    expect(classify(request)).toBe(access);
    expect(validateK8sRequest(request, CTX).request).toEqual(request);
  });
});

describe('validateK8sRequest: names, kinds and chart references', () => {
  const get = (over: Partial<Record<string, unknown>>): string =>
    refusal(() => validateK8sRequest({ kind: 'get', namespace: 'default', resource: 'pods', ...over }, CTX));

  it('GIVEN bad names WHEN validated THEN the field and what to do are named', () => {
    expect(get({ namespace: 'Default' })).toMatch(/^namespace: 'Default' is not valid: use lowercase/);
    expect(get({ name: 'web;rm -rf /' })).toMatch(/^name: 'web;rm -rf \/' is not valid: use a Kubernetes name/);
    expect(get({ name: '--all' })).toMatch(/^name: '--all'/);
    expect(get({ resource: 'secrets' })).toMatch(/^resource: 'secrets' is not valid: use one of pods, deployments/);
    expect(get({ selector: 'app in (a,b)' })).toMatch(/^selector: .*label equalities/);
  });

  it('GIVEN chart references WHEN validated THEN only ./paths inside the repo and repo/chart pass', () => {
    const helm = (c: string, extra: object = {}): string =>
      refusal(() =>
        validateK8sRequest({ kind: 'helm-install', namespace: 'hello', release: 'hello', chart: c, ...extra }, CTX),
      );
    for (const c of [
      '/etc/charts/x',
      '../outside',
      './a/../../b',
      'https://evil.example/c.tgz',
      'oci://r/c',
      'a/b/c',
    ]) {
      expect(helm(c)).toMatch(/^chart: .* use '\.\/path\/to\/chart' inside the repository or 'repo\/chart'/);
    }
    expect(helm('./charts/x', { version: '1.0.0' })).toMatch(/^version: .*repo\/chart references only/);
    expect(helm('./charts/x', { release: 'Hello_World' })).toMatch(/^release: 'Hello_World'/);
    expect(
      validateK8sRequest(
        { kind: 'helm-install', namespace: 'hello', release: 'web', chart: 'bitnami/nginx', version: '15.0.1' },
        CTX,
      ).request,
    ).toMatchObject({ chart: 'bitnami/nginx', version: '15.0.1' });
  });

  it('GIVEN a rollout status by name or by selector WHEN validated THEN exactly one of them, a selector for Deployments only', () => {
    const status = (over: Record<string, unknown>): string =>
      refusal(() =>
        validateK8sRequest(
          { kind: 'rollout-status', namespace: 'd', resource: 'deployment', ...over } as K8sRequest,
          CTX,
        ),
      );
    expect(
      validateK8sRequest({ kind: 'rollout-status', namespace: 'd', resource: 'deployment', selector: 'app=web' }, CTX)
        .request,
    ).toEqual({ kind: 'rollout-status', namespace: 'd', resource: 'deployment', selector: 'app=web' });
    expect(status({ name: 'web', selector: 'app=web' })).toBe(
      "selector: 'app=web' is not valid: give a name or a selector, not both.",
    );
    expect(status({})).toMatch(/^name: undefined is not valid: use a Kubernetes name/);
    expect(status({ resource: 'statefulset', selector: 'app=db' })).toBe(
      "resource: 'statefulset' is not valid: a selector applies to deployments only; name the statefulset instead.",
    );
    expect(status({ selector: 'app notin (a)' })).toMatch(/^selector: .*label equalities/);
  });

  it('GIVEN numbers out of range WHEN validated THEN refused with the range', () => {
    expect(refusal(() => validateK8sRequest({ kind: 'logs', namespace: 'd', pod: 'p', tailLines: 100000 }, CTX))).toBe(
      'tailLines: 100000 is not valid: use a whole number from 1 to 500.',
    );
    expect(
      refusal(() => validateK8sRequest({ kind: 'helm-rollback', namespace: 'd', release: 'r', revision: 0 }, CTX)),
    ).toMatch(/^revision: 0/);
  });
});

describe('validateK8sRequest: flags', () => {
  const withFlags = (flags: string[], kind: K8sRequest['kind'] = 'helm-upgrade'): K8sRequest =>
    kind === 'helm-upgrade'
      ? { kind, namespace: 'hello', ...chart, flags }
      : { kind: 'get', namespace: 'default', resource: 'pods', flags };

  it.each([
    [['--kubeconfig', '/tmp/other'], "flags: '--kubeconfig' is not allowed: the kubeconfig is set by the environment"],
    [
      ['--kubeconfig=/tmp/other'],
      "flags: '--kubeconfig=/tmp/other' is not allowed: the kubeconfig is set by the environment",
    ],
    [['--context', 'prod'], "flags: '--context' is not allowed: the kube context is the environment's"],
    [['--kube-context=prod'], "flags: '--kube-context=prod' is not allowed: the kube context is the environment's"],
    [
      ['--post-renderer', './evil.sh'],
      "flags: '--post-renderer' is not allowed: a post-renderer runs an arbitrary program",
    ],
    [['--plugins-dir', '/tmp/p'], "flags: '--plugins-dir' is not allowed: helm plugins run arbitrary programs"],
    [['--repository-config', '/tmp/r'], "flags: '--repository-config' is not allowed: the repository configuration"],
    [['--registry-config', '/tmp/r'], "flags: '--registry-config' is not allowed: the registry configuration"],
    [['--server', 'https://evil:6443'], "flags: '--server' is not allowed: the API server is the environment"],
    [['-s', 'https://evil:6443'], "flags: '-s' is not allowed: the API server is the environment"],
    [['-shttps://evil:6443'], "flags: '-shttps://evil:6443' is not allowed: the API server is the environment"],
    [['--kube-apiserver=https://evil'], "flags: '--kube-apiserver=https://evil' is not allowed: the API server"],
    [['--token', 'abc'], "flags: '--token' is not allowed: credentials come from the environment"],
    [['--kube-token', 'abc'], "flags: '--kube-token' is not allowed: credentials come from the environment"],
    [['--as', 'system:admin'], "flags: '--as' is not allowed: impersonation is not allowed"],
    [['--as-group=system:masters'], "flags: '--as-group=system:masters' is not allowed: impersonation"],
    [['--kube-as-user', 'x'], "flags: '--kube-as-user' is not allowed: impersonation"],
    [['--insecure-skip-tls-verify'], "flags: '--insecure-skip-tls-verify' is not allowed: TLS verification"],
    [['--exec'], "flags: '--exec' is not allowed: exec credential plugins run arbitrary programs"],
    [
      ['--set', 'a=b'],
      "flags: '--set' is not allowed: only --wait, --atomic, --create-namespace, --timeout, --previous",
    ],
    [['--namespace', 'kube-system'], "flags: '--namespace' is not allowed: only"],
    [['--create-namespace'], "flags: '--create-namespace' is not allowed: it does not apply to helm-upgrade"],
    [['--wait=true'], "flags: '--wait=true' is not allowed: '--wait' takes no value"],
  ])('GIVEN the flags %j WHEN validated THEN refused: %s', (flags, message) => {
    expect(refusal(() => validateK8sRequest(withFlags(flags), CTX))).toContain(message);
    expect(refusal(() => validateK8sRequest(withFlags(flags), CTX))).toMatch(/Remove it and ask again\.$/);
  });

  it('GIVEN a bad --timeout WHEN validated THEN the expected form is named', () => {
    expect(refusal(() => validateK8sRequest(withFlags(['--timeout', '1h']), CTX))).toBe(
      "flags: '--timeout' needs a duration like 90s or 5m (at most 60m), got '1h'.",
    );
  });

  it("GIVEN allowed flags and the environment's own context WHEN validated THEN they become typed options", () => {
    const v = validateK8sRequest(withFlags(['--wait', '--atomic', '--timeout', '2m', '--kube-context', CTX]), CTX);
    expect(v.options).toEqual({
      wait: true,
      atomic: true,
      createNamespace: false,
      previous: false,
      timeoutSeconds: 120,
    });
    expect(v.request).not.toHaveProperty('flags');
    expect(validateK8sRequest(withFlags([`--context=${CTX}`], 'get'), CTX).options.wait).toBe(false);
  });
});

describe('checkKubeconfig', () => {
  const config = (user: Record<string, unknown>) => ({
    contexts: [{ name: 'sandbox', context: { cluster: 'c', user: 'u' } }],
    users: [{ name: 'u', user }],
  });

  it('GIVEN a user with an exec plugin or auth-provider WHEN checked THEN refused', () => {
    for (const key of ['exec', 'auth-provider']) {
      expect(() => checkKubeconfig(config({ [key]: { command: 'aws' } }), 'sandbox', '/k')).toThrow(PermissionDenied);
      expect(() => checkKubeconfig(config({ [key]: {} }), 'sandbox', '/k')).toThrow(
        `uses '${key}', which runs a program`,
      );
    }
  });

  it('GIVEN a certificate user WHEN checked THEN accepted; a missing context is refused', () => {
    expect(() => checkKubeconfig(config({ 'client-certificate-data': 'x' }), 'sandbox', '/k')).not.toThrow();
    expect(() => checkKubeconfig(config({}), 'prod', '/k')).toThrow("kubeconfig /k has no context 'prod'");
  });
});

describe('summaries', () => {
  it('GIVEN a long log WHEN truncated THEN the newest lines are kept and the full size noted', () => {
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const t = truncateTail(log, 100);
    expect(t).toMatchObject({ truncated: true, totalChars: log.length, totalLines: 1000 });
    expect(t.text.endsWith('line 999')).toBe(true);
    expect(t.text.startsWith('line ')).toBe(true);
  });

  it('GIVEN two manifests WHEN diffed THEN changed fields, added and removed resources are listed', () => {
    const dep = (replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'w' },
      spec: { replicas },
    });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'w' }, spec: { ports: [{ port: 80 }] } };
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'other' } };
    expect(diffManifests([dep(2), svc], [dep(3), svc, cm], 'ns')).toEqual({
      changes: [
        {
          resource: 'Deployment/ns/w',
          change: 'changed',
          fields: [{ path: 'spec.replicas', before: '2', after: '3' }],
        },
        { resource: 'ConfigMap/other/c', change: 'added', fields: [] },
      ],
      unchanged: 1,
    });
    expect(diffManifests([svc], [], 'ns').changes).toEqual([
      { resource: 'Service/ns/w', change: 'removed', fields: [] },
    ]);
  });
});
