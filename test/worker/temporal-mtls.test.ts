import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createServer } from 'node:tls';
import type { AppConfig, TemporalTlsFiles } from '../../core/config';
import { validateConfig } from '../../core/config';
import { openGateway } from '../../worker/client-compose';
import { connectClient } from '../../worker/temporal-connection';
import type { RunningWorker } from '../support/sandbox';
import { startWorker, testConfig } from '../support/sandbox';

/**
 * Temporal beyond the dev server (issue 20 item 4): the worker (the SDK's Rust core) and the client (grpc-js)
 * connect with mutual TLS. The CLI's dev server serves no TLS, so a TLS terminator that demands a client certificate
 * signed by the test CA (as a Temporal cluster's frontend with requireClientAuth does) stands in front of the
 * test sandbox's real server and passes the gRPC stream through. Certificates come from openssl, made per run.
 */
const SERVER_NAME = 'temporal.test';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA and a certificate it signs for `cn`, with the extensions a strict verifier (rustls) wants. */
function makePki(dir: string, prefix: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.pem`, '-days', '2', '-subj', `/CN=${prefix} test CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  const leaf = (name: string, cn: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, [
      'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`,
    ]); // prettier-ignore
    openssl(dir, [
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${prefix}-ca.pem`, '-CAkey', `${prefix}-ca.key`,
      '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`,
    ]); // prettier-ignore
  };
  const usage = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n';
  leaf(
    `${prefix}-server`,
    SERVER_NAME,
    `${usage}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:${SERVER_NAME},IP:127.0.0.1\n`,
  );
  leaf(`${prefix}-client`, `${prefix}-worker`, `${usage}extendedKeyUsage=clientAuth\n`);
}

describe('Temporal over mutual TLS (worker and client)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-mtls-'));
  const f = (name: string): string => join(dir, name);
  const base = testConfig();
  const peers: string[] = [];
  const sockets = new Set<Socket>();
  let proxyAddress = '';
  let stopProxy: () => Promise<void> = () => Promise.resolve();

  const withTls = (tls: TemporalTlsFiles): AppConfig => ({
    ...base,
    temporal: { ...base.temporal, address: proxyAddress, tls },
  });

  beforeAll(async () => {
    makePki(dir, 'good');
    makePki(dir, 'rogue');
    const server = createServer(
      {
        key: readFileSync(f('good-server.key')),
        cert: readFileSync(f('good-server.pem')),
        ca: readFileSync(f('good-ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (tlsSocket: TLSSocket) => {
        const cn = (tlsSocket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN;
        peers.push(cn ?? '(none)');
        const upstream = connectTcp(Number(base.temporal.address.split(':')[1]), '127.0.0.1');
        for (const s of [tlsSocket, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        tlsSocket.pipe(upstream).pipe(tlsSocket);
      },
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxyAddress = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    stopProxy = () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
  });
  afterAll(async () => stopProxy());

  it('GIVEN a client certificate the server trusts THEN a worker polls and a command runs end to end through TLS', async () => {
    const config = withTls({
      caFile: f('good-ca.pem'),
      certFile: f('good-client.pem'),
      keyFile: f('good-client.key'),
      serverName: SERVER_NAME,
    });
    let worker: RunningWorker | undefined;
    const session = await openGateway(config).catch((e: unknown) => e as Error);
    try {
      if (session instanceof Error) throw session;
      worker = await startWorker(config);
      const id = await session.gateway.whoami('dev', {
        userId: 'alice',
        displayName: 'Alice',
        via: 'cli',
        requestId: 'mtls-1',
      });
      expect(id.account).toBe('123456789012');
    } finally {
      if (!(session instanceof Error)) await session.close();
      await worker?.stop();
    }
    // Both the client (grpc-js) and the worker (Rust core) came through the terminator with the good certificate.
    expect(peers.filter((p) => p === 'good-worker').length).toBeGreaterThanOrEqual(2);
  });

  it('GIVEN no client certificate THEN the connection is refused and the error says what to check', async () => {
    const config = withTls({ caFile: f('good-ca.pem'), serverName: SERVER_NAME });
    await expect(connectClient(config.temporal)).rejects.toThrow(
      new RegExp(`cannot reach the Temporal server at ${proxyAddress} .*check temporal.address and temporal.tls`),
    );
  });

  it('GIVEN a client certificate from another CA THEN the server refuses it', async () => {
    const config = withTls({
      caFile: f('good-ca.pem'),
      certFile: f('rogue-client.pem'),
      keyFile: f('rogue-client.key'),
      serverName: SERVER_NAME,
    });
    await expect(connectClient(config.temporal)).rejects.toThrow(/cannot reach the Temporal server/);
  });

  it('GIVEN a server certificate no configured CA signed THEN the client refuses the server', async () => {
    const config = withTls({
      caFile: f('rogue-ca.pem'),
      certFile: f('good-client.pem'),
      keyFile: f('good-client.key'),
      serverName: SERVER_NAME,
    });
    await expect(connectClient(config.temporal)).rejects.toThrow(/cannot reach the Temporal server/);
  });

  it('GIVEN half a client certificate or PEM text in the config THEN the config names the setting', () => {
    const doc = (tls: unknown) => ({
      temporal: { address: '127.0.0.1:7233', tls },
      audit: { path: '/tmp/audit.jsonl' },
      stacks: { vpc: { template: 'cloudformation/00-foundation/vpc.yaml' } },
      users: { bob: { groups: ['leads'] } },
      environments: Object.fromEntries(
        ['dev', 'tst', 'prd'].map((e) => [
          e,
          { account: '123456789012', region: 'us-east-1', approval: { users: ['bob'] } },
        ]),
      ),
    });
    const issues = (tls: unknown) => {
      const r = validateConfig(doc(tls));
      return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.problem}`);
    };
    expect(issues({ certFile: 'client.pem' })).toContain(
      'temporal.tls.keyFile is missing; a client certificate (mTLS) needs both certFile and keyFile',
    );
    expect(issues({ certFile: 'c.pem', keyFile: '-----BEGIN PRIVATE KEY-----\nabc' })).toContainEqual(
      expect.stringMatching(/^temporal\.tls\.keyFile holds PEM text; give the path of a file instead/),
    );
    expect(issues({ cafile: 'x' })).toContainEqual(
      expect.stringMatching(/^temporal\.tls\.cafile is not a setting here/),
    );
    expect(issues(true)).toEqual([]);
  });
});
