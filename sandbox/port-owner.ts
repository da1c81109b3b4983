import { readFile, readdir, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

/** Who is listening on a TCP port, as far as /proc can tell (Linux only; other systems return undefined). */
export interface PortOwner {
  readonly pid?: number;
  readonly command?: string;
}

/** True when 127.0.0.1:port can be bound right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Finds the process listening on `port` by matching /proc/net/tcp{,6} socket inodes against /proc/<pid>/fd. */
export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      const inode = cols[9];
      if (!local || state !== '0A' || !inode) continue; // 0A = LISTEN
      const hexPort = local.split(':')[1];
      if (hexPort && parseInt(hexPort, 16) === port) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    return {};
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] && inodes.has(m[1])) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        return { pid: Number(pid), command: cmdline.split('\0').filter(Boolean).join(' ') };
      }
    }
  }
  return {};
}

export function describeOwner(owner: PortOwner | undefined): string {
  if (!owner || owner.pid === undefined) return 'another process (owner not visible)';
  return `pid ${owner.pid} (${owner.command ?? 'unknown command'})`;
}
