import { userInfo } from 'node:os';
import { renderHelp } from '../core/commands/help';
import { redactConfig } from '../core/config';
import { ConfigError, loadConfig } from '../worker/config-loader';
import { runChat } from './chat';
import { executeLine } from './execute';
import { terminalRequester } from './identity';
import { openSession } from './session';
import { runComplianceReport } from '../worker/compliance-main';
import { runWorker } from '../worker/worker-main';
import { runBot } from '../worker/bot-main';

const USAGE = `infra-agent — ChatOps for AWS, Kubernetes, Helm and Trivy, driven by durable Temporal workflows.

usage:
  infra-agent [--as <user>] [--follow] <command ...>
                                              run one command and exit (--follow: a deploy waits until done)
  infra-agent [--as <user>] chat              interactive session (type help)
  infra-agent worker                          run a Temporal worker
  infra-agent bot                             run the Slack bot (needs a slack: block and INFRA_AGENT_MFA_KEY)
  infra-agent config                          print the configuration (secrets redacted)
  infra-agent compliance report [--check]     write docs/nist-compliance-report.md from a real validation run
                                              (--check: fail when the committed report is stale)

identity: --as <user> or INFRA_AGENT_USER (a user id from the config, e.g. alice)
config:   INFRA_AGENT_CONFIG (default: config/sandbox.yaml, the local sandbox)

${renderHelp()}`;

interface Flags {
  as?: string;
  follow: boolean;
  rest: string[];
}

function parseFlags(argv: string[]): Flags {
  const rest: string[] = [];
  let as = process.env.INFRA_AGENT_USER || undefined;
  let follow = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--follow') follow = true;
    else if (a === '--as') as = argv[++i];
    else if (a.startsWith('--as=')) as = a.slice(5);
    else rest.push(a);
  }
  return { ...(as ? { as } : {}), follow, rest };
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  const [first] = flags.rest;
  if (first === undefined || first === '--help' || first === '-h') {
    console.log(USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === 'worker') {
    await runWorker();
    return 0;
  }
  if (first === 'bot') {
    await runBot();
    // The bot runs until SIGINT/SIGTERM; its own handlers exit the process.
    return new Promise<number>(() => undefined);
  }
  const config = loadConfig();
  if (first === 'compliance' && flags.rest[1] === 'report') {
    return runComplianceReport(config, flags.rest.includes('--check'), (s) => console.log(s));
  }
  if (first === 'config') {
    console.log(JSON.stringify(redactConfig(config), null, 2));
    return 0;
  }
  const requester = terminalRequester(config, flags.as, userInfo().username);
  const session = await openSession(config);
  try {
    if (first === 'chat') return await runChat(session, requester);
    return await executeLine(session, requester, flags.rest.join(' '), {
      out: (s) => console.log(s),
      err: (s) => console.error(s),
    });
  } finally {
    await session.close();
  }
}

/** Process entry: runs `main`, prints errors without stack traces for known conditions, and exits. */
export function cliEntry(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof ConfigError ? e.message : e instanceof Error ? `error: ${e.message}` : e);
      process.exit(1);
    },
  );
}

if (require.main === module) cliEntry(process.argv.slice(2));
