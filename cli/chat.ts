import { createInterface } from 'node:readline/promises';
import type { MfaVerifier } from '../core/mfa';
import type { Requester } from '../core/requester';
import { executeLine } from './execute';
import type { TerminalMfa } from './execute';
import type { Session } from './session';

/**
 * The `chat` REPL: one line, one command, same grammar as Slack. `exit` or Ctrl-D leaves. Lines are handled
 * one at a time; while an approval asks for an MFA code, the next line is that code (not a command).
 */
export async function runChat(session: Session, requester: Requester, verifier?: MfaVerifier): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  console.log(`infra-agent chat — you are ${requester.displayName} (${requester.userId}). Type help, or exit.`);
  if (session.gateway.temporalUiUrl) console.log(`Temporal UI: ${session.gateway.temporalUiUrl}`);
  let codeWaiter: ((code: string | undefined) => void) | undefined;
  const mfa: TerminalMfa | undefined = verifier && {
    verifier,
    askCode: (prompt) =>
      new Promise((resolve) => {
        process.stdout.write(prompt);
        codeWaiter = resolve;
      }),
  };
  const handle = async (text: string): Promise<void> => {
    try {
      await executeLine(
        session,
        { ...requester, requestId: `${requester.requestId}-${Date.now()}` },
        text,
        { out: (s) => console.log(s), err: (s) => console.log(s) },
        mfa ? { mfa } : {},
      );
    } catch (e) {
      console.log(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  rl.setPrompt('infra> ');
  rl.prompt();
  await new Promise<void>((done) => {
    let chain = Promise.resolve();
    rl.on('line', (line) => {
      const text = line.trim();
      if (codeWaiter) {
        const answer = codeWaiter;
        codeWaiter = undefined;
        answer(text);
        return;
      }
      if (text === 'exit' || text === 'quit') {
        rl.close();
        return;
      }
      chain = chain.then(async () => {
        if (text) await handle(text);
        rl.prompt();
      });
    });
    rl.on('close', () => {
      codeWaiter?.(undefined);
      void chain.then(done);
    });
  });
  return 0;
}
