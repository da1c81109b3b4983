import { renderHelp } from '../core/commands/help';
import { parseCommand } from '../core/commands/parse';
import type { Requester } from '../core/requester';
import type { Session } from './session';

/** Where a command's answer goes (stdout/stderr for one-shot use; the REPL's screen in chat). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Parses and runs one line. Returns a process exit code: 0 done, 1 failed, 2 not understood. */
export async function executeLine(session: Session, requester: Requester, line: string, o: Output): Promise<number> {
  const parsed = parseCommand(line, { stacks: [] });
  if (!parsed.ok) {
    o.err(
      `${parsed.error}\n${parsed.suggestions.length ? `closest commands:\n${parsed.suggestions.map((s) => `  ${s}`).join('\n')}` : ''}`,
    );
    return 2;
  }
  const c = parsed.command;
  switch (c.name) {
    case 'help':
      o.out(renderHelp(c.command));
      return 0;
    case 'whoami': {
      const id = await session.gateway.whoami(c.env, requester);
      o.out(`[${c.env}] account ${id.account} region ${id.region}\n  arn: ${id.arn}\n  user id: ${id.userId}`);
      return 0;
    }
    default:
      o.err(`'${c.name}' is not available in this build yet`);
      return 1;
  }
}
