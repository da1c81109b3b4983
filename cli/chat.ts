import { createInterface } from 'node:readline/promises';
import type { Requester } from '../core/requester';
import { executeLine } from './execute';
import type { Session } from './session';

/** The `chat` REPL: one line, one command, same grammar as Slack. `exit` or Ctrl-D leaves. */
export async function runChat(session: Session, requester: Requester): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  console.log(`infra-agent chat — you are ${requester.displayName} (${requester.userId}). Type help, or exit.`);
  if (session.gateway.temporalUiUrl) console.log(`Temporal UI: ${session.gateway.temporalUiUrl}`);
  rl.setPrompt('infra> ');
  rl.prompt();
  for await (const line of rl) {
    const text = line.trim();
    if (text === 'exit' || text === 'quit') break;
    if (text) {
      try {
        await executeLine(session, { ...requester, requestId: `${requester.requestId}-${Date.now()}` }, text, {
          out: (s) => console.log(s),
          err: (s) => console.log(s),
        });
      } catch (e) {
        console.log(`error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    rl.prompt();
  }
  rl.close();
  return 0;
}
