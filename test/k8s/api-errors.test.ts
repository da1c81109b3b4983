import { ApiException } from '@kubernetes/client-node';
import { apiFailure } from '../../adapters/k8s/client-node';

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
const failure = (code: number, body: string) =>
  new ApiException(code, `HTTP-Code: ${code}\nHeaders: {"authorization":"Bearer sekret-token-123"}`, body, {});

describe('Kubernetes API errors, as people read them', () => {
  const pod = { action: 'get pods', object: "pod 'web-1'", namespace: 'shop-dev' };

  it('GIVEN a 404 NotFound for a named object THEN InvalidInput naming it and its namespace', () => {
    const e = apiFailure(failure(404, status(404, 'NotFound', 'pods "web-1" not found')), pod, []);
    expect(e).toMatchObject({ name: 'InvalidInput', message: "pod 'web-1' not found in namespace shop-dev" });
  });

  it('GIVEN a bare 404 (a kind the server does not serve) THEN InvalidInput asking whether the CRD is installed', () => {
    const e = apiFailure(failure(404, '404 page not found\n'), { action: 'list virtualservices', namespace: 'x' }, []);
    expect(e).toMatchObject({
      name: 'InvalidInput',
      message:
        'list virtualservices in namespace x: the cluster does not serve this kind (404 page not found); is its CRD installed?',
    });
  });

  it("GIVEN 401/403 THEN PermissionDenied with the API's reason, never a credential from the answer or the kubeconfig", () => {
    const forbidden = apiFailure(
      failure(403, status(403, 'Forbidden', 'pods is forbidden: User "agent" cannot list resource "pods"')),
      { action: 'list pods', namespace: 'shop-dev' },
      [],
    );
    expect(forbidden).toMatchObject({
      name: 'PermissionDenied',
      message: 'list pods in namespace shop-dev: pods is forbidden: User "agent" cannot list resource "pods"',
    });
    // A server (or proxy) that echoes credentials back: they are cut out before the message leaves the adapter.
    const echoed = apiFailure(
      failure(
        401,
        status(401, 'Unauthorized', 'token sekret-token-123 rejected (Authorization: Bearer sekret-token-123)'),
      ),
      { action: 'list pods', namespace: 'shop-dev' },
      ['sekret-token-123'],
    );
    expect(echoed.name).toBe('PermissionDenied');
    expect(echoed.message).toBe(
      'list pods in namespace shop-dev: token [redacted] rejected (Authorization: Bearer [redacted])',
    );
  });

  it('GIVEN 5xx, 429 or an unreachable server THEN TransientFailure (retried); a 400 is the request’s fault', () => {
    expect(apiFailure(failure(503, status(503, 'ServiceUnavailable', 'etcd is down')), pod, [])).toMatchObject({
      name: 'TransientFailure',
      message: 'get pods in namespace shop-dev: the API server answered 503: etcd is down',
    });
    expect(apiFailure(failure(429, status(429, 'TooManyRequests', 'slow down')), pod, []).name).toBe(
      'TransientFailure',
    );
    const refused = Object.assign(
      new Error('request to https://10.0.0.1:6443/api/v1/pods failed, reason: connect ECONNREFUSED'),
      {
        name: 'FetchError',
        code: 'ECONNREFUSED',
      },
    );
    expect(apiFailure(refused, { action: 'list pods', namespace: 'a' }, [])).toMatchObject({
      name: 'TransientFailure',
      message: expect.stringContaining(
        'list pods in namespace a: the API server could not be reached: request to https://10.0.0.1:6443',
      ),
    });
    expect(
      apiFailure(failure(400, status(400, 'BadRequest', 'a container name must be specified for pod web-1')), pod, []),
    ).toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('a container name must be specified') });
  });
});
