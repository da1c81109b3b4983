import type { types } from '@slack/bolt';
import { resultChart } from '../core/commands/results';
import { MfaRequired, PermissionDenied, refusalOf } from '../core/errors';
import { environmentOfOperation } from '../core/operation-id';
import type { EnvironmentName } from '../core/environments';
import { userText } from '../presentation/slack/escape';
import { renderSlackResult } from '../presentation/slack/result';
import { scanReport } from '../presentation/text/scan';
import { textReply } from '../presentation/slack/text';
import type { StackOperationInput } from '../workflows/definitions';
import type { BotDeps } from './deps';
import { withFiles } from './reply-files';
import type { SlackIdentity } from './identity';
import { understand } from './understand';

/** An answer to the person who asked. */
export interface Reply {
  readonly text: string;
  readonly blocks: types.KnownBlock[];
}

/**
 * Answers that refuse or report a failure (not Slack fields, so kept beside the reply): a multi-step proposal stops
 * at the first of them, as the terminal stops at a non-zero exit code.
 */
const failures = new WeakSet<Reply>();
function failed(r: Reply): Reply {
  failures.add(r);
  return r;
}
/** True when `runCommand` refused or failed rather than ran. */
export const isFailure = (r: Reply): boolean => failures.has(r);

/** The same person with a request id of its own for one step of a proposal, so each step is its own request. */
export function forStep(who: SlackIdentity, suffix: string): SlackIdentity {
  return { ...who, requester: { ...who.requester, requestId: `${who.requester.requestId}-${suffix}` } };
}

/**
 * Runs one line of the `/infra` grammar (the terminal's, unchanged) for a Slack person. `where` is the
 * conversation a started operation reports into. Slack only parses, hands the command to the gateway's dispatcher
 * (which applies every permission rule, as for the terminal and proposals) and renders; refusals are answers.
 */
export async function runCommand(
  deps: BotDeps,
  who: SlackIdentity,
  line: string,
  where: NonNullable<StackOperationInput['notify']>,
): Promise<Reply> {
  const gw = deps.gateway;
  const parsed = gw.parse(line);
  if (!parsed.ok) {
    // Free text: the language front door proposes typed commands; auto-run reads come back through here.
    const answer = await understand(deps, who, line, parsed.error, async (l, step) => {
      const reply = await runCommand(deps, forStep(who, `run-${step}`), l, where);
      return { answer: reply, ok: !isFailure(reply) };
    });
    // Not a command: a step of a proposal that reads like this stops there.
    return failed(answer);
  }
  const c = parsed.command;
  // A long log goes in full to the requester's DM with the bot (only known users read logs).
  const slackUserId = deps.config.users[who.requester.userId]?.slack?.userId;
  try {
    const result = await gw.execute(c, who.requester, {
      notify: where,
      ...(slackUserId ? { exportLogTo: { kind: 'slack-dm', slackUserId } } : {}),
      // A typed approve carries no code: Slack asks for one in the Approve button's modal.
      stepUp: { verifier: deps.mfa, askCode: () => Promise.resolve(undefined) },
    });
    const reply = renderSlackResult(c, result, where.channel);
    // A scan with more findings than the message lists: the full report goes into the thread as a file.
    const scan = result.kind === 'scan' ? result.scan : undefined;
    const report = scan && scanReport(scan);
    if (scan && report)
      return withFiles(reply, [
        {
          bytes: Buffer.from(report.text, 'utf8'),
          filename: report.fileName,
          title: `trivy report: ${scan.target} (${report.count} findings)`,
          altText: 'every finding of the scan, one a line',
        },
      ]);
    // A cost or allocation report's chart follows the numbers into the thread (postReplyFiles, by the listener that
    // posts them).
    const chart = resultChart(result);
    return chart
      ? withFiles(reply, [
          {
            bytes: Buffer.from(chart.chart.pngBase64, 'base64'),
            filename: chart.chart.fileName,
            title: chart.title,
            altText: chart.altText,
          },
        ])
      : reply;
  } catch (e) {
    return failed(refusalReply(e, c.name, 'op' in c ? c.op : undefined, deps));
  }
}

/** Slack's words for a refusal or failure: the shared reading of the error (core's refusalOf), Slack's marks. */
function refusalReply(e: unknown, command: string, op: string | undefined, deps: BotDeps): Reply {
  if (e instanceof MfaRequired && (e.reason === 'no-code' || e.reason === 'no-verifier')) {
    if (command === 'waive')
      return textReply(
        `:closed_lock_with_key: waivers in ${e.environment} need your MFA code, as approvals there do, and a typed ` +
          '`waive` in Slack has no place for one: run the same line in the terminal, which asks for the code ' +
          '(or give --mfa-code).',
      );
    return textReply(
      `:closed_lock_with_key: \`${op ?? command}\` needs an MFA code: use the *Approve* button on its message.`,
    );
  }
  if (e instanceof PermissionDenied && e.policy && e.policy !== 'not-an-approver')
    return textReply(`:lock: ${userText(e.message)}`);
  const words = refusalOf(e);
  if (words) return textReply(`:no_entry: ${words.label}: ${userText(words.message)}`);
  const message = e instanceof Error ? e.message : String(e);
  deps.logger?.error(`command '${command}' failed: ${message}`);
  return textReply(`:x: \`${command}\` failed: ${userText(message)}`);
}

/** The environment an operation id names (`stack/<env>/<name>`). */
export function envOf(operationId: string): EnvironmentName | undefined {
  return environmentOfOperation(operationId);
}
