import { validateConfig } from '../../core/config';
import {
  catalogCollisions,
  describeRenderedCollisions,
  likelyReleaseObjectNames,
  renderedCollisions,
} from '../../core/k8s/ownership';
import type { ManifestObject } from '../../core/k8s/manifest-diff';

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
  services: { 'payments-api': { namespace: 'payments', image: 'ghcr.io/example/payments-api' } },
};

describe('validateConfig: a rollout service and a Helm release never own the same objects', () => {
  it('GIVEN a release named like a service in the same namespace THEN refused, naming both entries', () => {
    const r = validateConfig({
      ...base,
      releases: { 'payments-api': { chart: './infra/helm/charts/sample-app', namespace: 'payments' } },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      {
        path: 'releases.payments-api',
        problem: expect.stringMatching(
          /would own the same objects as services\.payments-api in namespace payments \(payments-api: .*rename the release/,
        ),
      },
    ]);
  });

  it('GIVEN a release whose fullnameOverride is a colour of a service THEN refused', () => {
    const r = validateConfig({
      ...base,
      releases: {
        web: {
          chart: './infra/helm/charts/sample-app',
          namespace: 'payments',
          values: { fullnameOverride: 'payments-api-green' },
        },
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.problem).join()).toMatch(/services\.payments-api .*payments-api-green/);
  });

  it('GIVEN a release that renders <release>-<chart> = a blue colour THEN refused', () => {
    expect(likelyReleaseObjectNames({ name: 'payments-api', namespace: 'x', chart: 'repo/blue' })).toEqual([
      'payments-api',
      'payments-api-blue',
    ]);
    const r = validateConfig({
      ...base,
      services: { ...base.services, 'payments-api': { namespace: 'other', image: 'ghcr.io/example/p' } },
      releases: { pay: { chart: 'repo/api-blue', version: '1.0.0', namespace: 'other' } },
    });
    // pay-api-blue is not payments-api-blue: no collision, and the same names in another namespace are fine.
    expect(r.ok).toBe(true);
  });

  it('GIVEN the same names in different namespaces THEN accepted', () => {
    const r = validateConfig({
      ...base,
      releases: { 'payments-api': { chart: './infra/helm/charts/sample-app', namespace: 'payments-helm' } },
    });
    expect(r.ok).toBe(true);
  });

  it('catalogCollisions lists every pair', () => {
    expect(
      catalogCollisions(
        [
          { name: 'a', namespace: 'n' },
          { name: 'b', namespace: 'n' },
        ],
        [{ name: 'a-blue', namespace: 'n', chart: './c/b' }],
      ),
    ).toEqual([{ service: 'a', release: 'a-blue', namespace: 'n', names: ['a-blue'] }]);
  });
});

describe('renderedCollisions: the helm preview refuses objects a rollout owns', () => {
  const svc = (name: string, ns: string, labels?: Record<string, string>): ManifestObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  });
  const rolloutLabels = { app: 'payments-api', 'app.kubernetes.io/managed-by': 'infra-agent' };

  it('GIVEN a rendered Service whose live namesake carries the rollout label THEN a collision naming the service', () => {
    const rendered = [svc('web', 'payments-dev'), svc('payments-api', 'payments-dev')];
    const live = [svc('payments-api', 'payments-dev', rolloutLabels), svc('other', 'payments-dev', rolloutLabels)];
    const found = renderedCollisions(rendered, 'payments-dev', live);
    expect(found).toEqual([
      {
        kind: 'Service',
        name: 'payments-api',
        namespace: 'payments-dev',
        service: 'payments-api',
        reason: 'live-label',
      },
    ]);
    expect(describeRenderedCollisions('web', found)).toBe(
      "release 'web' would take over objects a blue/green rollout owns: Service payments-dev/payments-api (owned by " +
        "the rollout of service 'payments-api'); rename the release (or its fullnameOverride) or move it to another namespace",
    );
  });

  it('GIVEN a live namesake without the rollout label (e.g. the release’s own object) THEN no collision', () => {
    const live = [svc('web', 'payments-dev', { 'app.kubernetes.io/managed-by': 'Helm' })];
    expect(renderedCollisions([svc('web', 'payments-dev')], 'payments-dev', live)).toEqual([]);
  });

  it('GIVEN no live objects yet but a Deployment named like a catalog colour THEN a catalog-name collision', () => {
    const rendered: ManifestObject[] = [{ kind: 'Deployment', metadata: { name: 'payments-api-green' } }];
    expect(
      renderedCollisions(rendered, 'payments-dev', [], [{ name: 'payments-api', namespace: 'payments-dev' }]),
    ).toEqual([
      {
        kind: 'Deployment',
        name: 'payments-api-green',
        namespace: 'payments-dev',
        service: 'payments-api',
        reason: 'catalog-name',
      },
    ]);
    // A ConfigMap of that name is no rollout object.
    expect(
      renderedCollisions(
        [{ kind: 'ConfigMap', metadata: { name: 'payments-api' } }],
        'payments-dev',
        [],
        [{ name: 'payments-api', namespace: 'payments-dev' }],
      ),
    ).toEqual([]);
  });
});
