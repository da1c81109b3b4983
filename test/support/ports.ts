import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Below the kernel's ephemeral range (ip_local_port_range, 32768–60999 by default): a port the OS hands to
 * `listen(0)` or to an outgoing connection is taken from that range, so a port picked there and bound seconds later
 * (a server's start-up) can meanwhile go to someone else's socket; seen in CI as a private cluster's scheduler port
 * taken by another cluster's etcd. Picking at random below it leaves only our own picks to collide, which callers
 * that start servers retry.
 */
const RANGE = [15_000, 32_000] as const;

function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range when one is free there. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await bindable(randomInt(RANGE[0], RANGE[1]));
    if (port) return port;
  }
  const port = await bindable(0);
  if (!port) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
