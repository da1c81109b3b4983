import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsFiles {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** GET `url` and resolve the status and body; never rejects (status 0 when nothing answers). */
export function httpGet(
  url: string,
  tls?: TlsFiles,
  timeoutMs = 3000,
): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const done = (status: number, body: string): void => resolve({ status, body });
    let req;
    try {
      const options = { method: 'GET', timeout: timeoutMs };
      req =
        u.protocol === 'https:'
          ? httpsRequest(u, {
              ...options,
              ...(tls
                ? {
                    ca: readFileSync(tls.ca),
                    ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
                    ...(tls.key ? { key: readFileSync(tls.key) } : {}),
                  }
                : {}),
            })
          : httpRequest(u, options);
    } catch {
      done(0, '');
      return;
    }
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length + body.length < 65536 ? c : ''));
      res.on('end', () => done(res.statusCode ?? 0, body));
      res.on('error', () => done(0, ''));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0, ''));
    req.end();
  });
}
