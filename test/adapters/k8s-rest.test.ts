import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { apiPath, restReaderFor } from '../../adapters/k8s/rest';

const kubeconfig = (user: Record<string, unknown>, server = 'https://127.0.0.1:6443'): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'kc-')), 'kubeconfig');
  writeFileSync(
    path,
    stringify({
      clusters: [
        { name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from('ca').toString('base64') } },
      ],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  return path;
};

describe('in-process Kubernetes reads (adapters/k8s/rest.ts)', () => {
  it('GIVEN credentials that are files, or not https THEN no reader: callers fall back to kubectl', async () => {
    expect(
      await restReaderFor({
        kubeconfig: kubeconfig({ 'client-certificate': '/x.crt', 'client-key': '/x.key' }),
        context: 'ctx',
      }),
    ).toBeUndefined();
    expect(
      await restReaderFor({ kubeconfig: kubeconfig({ token: 't' }, 'http://127.0.0.1:8080'), context: 'ctx' }),
    ).toBeUndefined();
    expect(await restReaderFor({ kubeconfig: kubeconfig({ token: 't' }), context: 'other' })).toBeUndefined();
    expect(await restReaderFor({ kubeconfig: kubeconfig({ token: 't' }), context: 'ctx' })).toBeDefined();
  });

  it('GIVEN the kinds rollouts read THEN each maps to its API path; any other kind maps to none (kubectl reads it)', () => {
    expect(apiPath('deployment', 'payments-dev', 'payments-api-blue')).toBe(
      '/apis/apps/v1/namespaces/payments-dev/deployments/payments-api-blue',
    );
    expect(apiPath('pods', 'payments-dev')).toBe('/api/v1/namespaces/payments-dev/pods');
    expect(apiPath('namespace', undefined, 'payments-dev')).toBe('/api/v1/namespaces/payments-dev');
    expect(apiPath('virtualservice', 'shop', 'cart')).toBe(
      '/apis/networking.istio.io/v1beta1/namespaces/shop/virtualservices/cart',
    );
    expect(apiPath('secrets', 'shop', 'x')).toBeUndefined();
    expect(apiPath('deployment', undefined, 'x')).toBeUndefined();
  });
});
