import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { MfaVerifier } from '../core/mfa';
import { renderHelp } from '../core/commands/help';
import { redactConfig } from '../core/config';
import { ConfigError, loadConfig } from '../worker/config-loader';
import { runChat } from './chat';
import { executeLine } from './execute';
import type { TerminalMfa } from './execute';
import { ClaimedIdentityRefused, resolveTerminalIdentity } from './identity';
import type { IdentityClaim } from './identity';
import { openSession } from './session';
import { runComplianceReport } from '../worker/compliance-main';
import { runWorker } from '../worker/worker-main';
import { runBot } from '../worker/bot-main';
import { generateMfaKeyFile, MfaKeyExists, newMfaKey, openMfaVerifier, resolveMfaKey } from '../worker/mfa-compose';
import { callerArn } from '../worker/caller-identity';

const USAGE = `infra-agent — ChatOps for AWS, Kubernetes, Helm and Trivy, driven by durable Temporal workflows.

usage:
  infra-agent [--as <user>] [--follow] <command ...>
                                              run one command and exit (--follow: a deploy waits until done)
  infra-agent [--as <user>] chat              interactive session (type help)
  infra-agent [--as <user>] approve <op> --mfa-code <6 digits>
                                              approve where MFA is required (PRD); needs INFRA_AGENT_MFA_KEY
  infra-agent [--as <user>] mfa enroll        a first authenticator for you (re-enrol in Slack)
  infra-agent worker                          run a Temporal worker
  infra-agent bot                             run the Slack bot (needs a slack: block and INFRA_AGENT_MFA_KEY)
  infra-agent config                          print the configuration (secrets redacted)
  infra-agent identity                        who the terminal acts for, and how that was proven
  infra-agent compliance report [--check]     write docs/nist-compliance-report.md from a real validation run
                                              (--check: fail when the committed report is stale)

identity: your own AWS identity (STS GetCallerIdentity, default credential chain), mapped to a user by the
          config's users.<id>.awsPrincipals. --as <user> / INFRA_AGENT_USER only where the config says
          identity: { terminal: claimed } (the sandbox), with a warning on every command
config:   INFRA_AGENT_CONFIG (default: config/sandbox.yaml, the local sandbox)

${renderHelp()}`;

interface Flags {
  as?: string;
  asSource?: IdentityClaim['source'];
  follow: boolean;
  mfaCode?: string;
  rest: string[];
}

function parseFlags(argv: string[]): Flags {
  const rest: string[] = [];
  let as = process.env.INFRA_AGENT_USER || undefined;
  let asSource: IdentityClaim['source'] = as ? 'INFRA_AGENT_USER' : undefined;
  let follow = false;
  let mfaCode: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--follow') follow = true;
    else if (a === '--as') [as, asSource] = [argv[++i], '--as'];
    else if (a.startsWith('--as=')) [as, asSource] = [a.slice(5), '--as'];
    else if (a === '--mfa-code') mfaCode = argv[++i];
    else if (a.startsWith('--mfa-code=')) mfaCode = a.slice(11);
    else rest.push(a);
  }
  return { ...(as ? { as, asSource } : {}), ...(mfaCode ? { mfaCode } : {}), follow, rest };
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
    // Resolves once SIGINT/SIGTERM has stopped the bot (requests in flight answered, their work finished).
    await runBot();
    return 0;
  }
  if (first === 'mfa' && flags.rest[1] === 'keygen') return keygenInTerminal(flags.rest.slice(2));
  const config = loadConfig();
  if (first === 'compliance' && flags.rest[1] === 'report') {
    return runComplianceReport(config, flags.rest.includes('--check'), (s) => console.log(s));
  }
  if (first === 'config') {
    console.log(JSON.stringify(redactConfig(config), null, 2));
    return 0;
  }
  const identity = await resolveTerminalIdentity(
    config,
    flags.as ? { as: flags.as, ...(flags.asSource ? { source: flags.asSource } : {}) } : {},
    { osUser: userInfo().username, callerArn: () => callerArn(config) },
  );
  for (const n of identity.notices) console.error(n);
  const requester = identity.requester;
  if (first === 'identity') {
    console.log(
      `${requester.userId} (${requester.displayName}); proven by: ${identity.proof}` +
        (identity.principal ? `; AWS principal: ${identity.principal}` : ''),
    );
    return 0;
  }
  const verifier = openMfaVerifier(config);
  if (first === 'mfa' && flags.rest[1] === 'enroll') return enrollInTerminal(verifier, requester.userId);
  const session = await openSession(config);
  try {
    if (first === 'chat') return await runChat(session, requester, verifier);
    const mfa: TerminalMfa | undefined = verifier && {
      verifier,
      askCode: async (prompt) => flags.mfaCode ?? (process.stdin.isTTY ? askLine(prompt) : undefined),
    };
    return await executeLine(
      session,
      requester,
      flags.rest.join(' '),
      { out: (s) => console.log(s), err: (s) => console.error(s) },
      { ...(mfa ? { mfa } : {}), follow: flags.follow },
    );
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
      process.exit(e instanceof ClaimedIdentityRefused ? 2 : 1);
    },
  );
}

if (require.main === module) cliEntry(process.argv.slice(2));

/**
 * `infra-agent mfa enroll`: a first authenticator for a person with none. Re-enrolment is refused here: the
 * terminal's identity is self-declared (--as), so it may not replace a secret someone already holds; Slack,
 * which knows who is asking, can.
 */
async function enrollInTerminal(verifier: MfaVerifier | undefined, userId: string): Promise<number> {
  const key = resolveMfaKey();
  if (!verifier) {
    console.error(`${key.description}. The terminal needs the same key as the bot.`);
    return 1;
  }
  console.error(key.description);
  if (await verifier.isEnrolled(userId)) {
    console.error(`${userId} already has an authenticator; to replace it, run \`/infra mfa enroll\` in Slack`);
    return 1;
  }
  const e = await verifier.enroll(userId);
  console.log(`authenticator for ${userId} — add it to your app, then approve with --mfa-code <6 digits>:`);
  console.log(`  ${e.otpauthUri}\n  key (type it in by hand): ${e.secret}`);
  return 0;
}

/**
 * `infra-agent mfa keygen [--force] [--print]`: a fresh MFA key in `<state dir>/mfa.key` (0600), read by the bot
 * and terminals on this machine when INFRA_AGENT_MFA_KEY is unset. `--print` only prints one (for a secret store).
 */
async function keygenInTerminal(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--force' && a !== '--print');
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown.join(' ')}; usage: infra-agent mfa keygen [--force] [--print]`);
    return 2;
  }
  if (args.includes('--print')) {
    console.log(newMfaKey());
    return 0;
  }
  try {
    const r = await generateMfaKeyFile(process.env, { force: args.includes('--force') });
    console.log(`wrote a new MFA key to ${r.path} (mode 0600)`);
    if (r.previousMovedTo) {
      console.log(
        `the previous key was moved to ${r.previousMovedTo}: authenticators enrolled under it cannot be read with the ` +
          'new key — everyone enrolls again (or move the old key back)',
      );
    }
    console.log(
      'the bot and terminals on this machine use it when INFRA_AGENT_MFA_KEY is unset; other machines need the ' +
        'same key (copy the file, or set INFRA_AGENT_MFA_KEY to its content)',
    );
    if (process.env.INFRA_AGENT_MFA_KEY)
      console.log('note: INFRA_AGENT_MFA_KEY is set in this shell and wins over the file');
    return 0;
  } catch (e) {
    if (!(e instanceof MfaKeyExists)) throw e;
    console.error(
      `${e.path} already exists and seals the enrolled authenticators; not replaced. ` +
        '`infra-agent mfa keygen --force` replaces it (the old key is kept aside; everyone enrolls again).',
    );
    return 1;
  }
}

async function askLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}
