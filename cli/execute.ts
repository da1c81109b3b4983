import { specFor } from '../core/commands/policy';
import type { CommandResult } from '../core/commands/results';
import { resultChart } from '../core/commands/results';
import type { Command } from '../core/commands/types';
import { MfaRequired, refusalOf } from '../core/errors';
import type { MfaVerifier } from '../core/mfa';
import type { OperationState } from '../core/operations';
import type { Requester } from '../core/requester';
import { phaseText, renderFindings, renderPreview } from '../presentation/text/render';
import { renderResult } from '../presentation/text/result';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { scanReport } from '../presentation/text/scan';
import { writeChart } from './chart-file';
import { cliName } from './cli-name';
import { reportRequest, writeReport } from './report-format';
import type { Session } from './session';
import { answerProposal, isProposalAnswer, understand } from './understand';

/** Where a command's answer goes (stdout/stderr for one-shot use; the REPL's screen in chat). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface ExecuteOptions {
  /** Follow a started operation until it finishes instead of returning once it waits for approval. */
  readonly follow?: boolean;
  readonly pollMs?: number;
  /** Step-up MFA for approvals in environments that require it (PRD); absent = such approvals are refused. */
  readonly mfa?: TerminalMfa;
  /** Where a cost report's chart (PNG) and a scan's full report are written; default: the working directory. */
  readonly chartDir?: string;
}

/** How the terminal checks a second factor: the shared verifier, and where the code comes from. */
export interface TerminalMfa {
  readonly verifier: MfaVerifier;
  /** The 6-digit code: from --mfa-code, or asked for on the terminal. Undefined = none given. */
  askCode(prompt: string): Promise<string | undefined>;
}

/**
 * Parses and runs one line. Returns a process exit code: 0 done, 1 failed or refused, 2 not understood. The terminal
 * only parses, hands the command to the gateway's dispatcher, renders what comes back and follows what it started.
 */
export async function executeLine(
  session: Session,
  requester: Requester,
  line: string,
  o: Output,
  opts: ExecuteOptions = {},
): Promise<number> {
  // Free text the grammar cannot parse goes to the language front door; what it proposes is run only as the
  // very line a person could have typed, through this same function (so writes get preview + approval).
  const dispatch = (l: string) => executeLine(session, requester, l, o, opts);
  if (isProposalAnswer(session, line)) return answerProposal(session, line, o, dispatch);
  const gw = session.gateway;
  const wanted = reportRequest(line);
  if (!wanted.ok) {
    o.err(wanted.error);
    return 2;
  }
  const parsed = gw.parse(wanted.line);
  if (!parsed.ok) return understand(session, requester, line, parsed.error, o, dispatch);
  const c = parsed.command;
  let result: CommandResult;
  try {
    result = await gw.execute(c, requester, {
      // A log longer than shown is also written in full to a file on the worker (the sandbox: this machine).
      exportLogTo: { kind: 'file' },
      ...(opts.mfa ? { stepUp: opts.mfa } : {}),
    });
  } catch (e) {
    const words = refusalOf(e);
    if (!words) throw e;
    o.err(
      e instanceof MfaRequired
        ? mfaWords(e, c.name === 'waive' ? 'waivers' : 'approvals')
        : words.label === 'no worker'
          ? words.message
          : `${words.label}: ${words.message}`,
    );
    return 1;
  }
  const answer = renderResult(c, result, requester.userId);
  o.out(answer.text);
  if (result.kind === 'validation' && wanted.format) {
    const path = await writeReport(result.report, wanted.format, wanted.out);
    o.out(`${wanted.format === 'sarif' ? 'SARIF 2.1.0' : 'JUnit XML'} report written to ${path}`);
  }
  const chart = resultChart(result)?.chart;
  if (chart) {
    const path = await writeChart(chart, opts.chartDir ?? process.cwd());
    o.out(`chart (${chart.width}×${chart.height} PNG) written to ${path}`);
  }
  const report = result.kind === 'scan' ? scanReport(result.scan) : undefined;
  if (report) {
    const path = resolve(opts.chartDir ?? process.cwd(), report.fileName);
    await writeFile(path, report.text);
    o.out(`full report (${report.count} findings) written to ${path}`);
  }
  return afterwards(session, c, result, o, opts, answer.ok ? 0 : 1);
}

/** What the terminal says about an approval (or a waiver) that needs a second factor, in its own terms. */
function mfaWords(e: MfaRequired, what: 'approvals' | 'waivers'): string {
  switch (e.reason) {
    case 'no-verifier':
      return (
        `${what} in ${e.environment} need an MFA code, and this terminal has no MFA store: set INFRA_AGENT_MFA_KEY ` +
        `(the key the bot uses, or run \`${cliName()} mfa keygen\` once) and pass --mfa-code <6 digits>` +
        (what === 'approvals' ? ', or approve in Slack' : '')
      );
    case 'no-code':
      return `${what} in ${e.environment} need an MFA code: pass --mfa-code <6 digits>`;
    default:
      return e.message;
  }
}

/** A started operation is followed to its approval wait (or to the end with --follow); decisions to the end. */
function afterwards(
  session: Session,
  c: Command,
  r: CommandResult,
  o: Output,
  opts: ExecuteOptions,
  code: number,
): Promise<number> | number {
  if (r.kind === 'started') {
    return follow(session, r.started.operationId, o, opts.follow ? 'done' : 'approval', opts.pollMs);
  }
  if (r.kind === 'decided' && r.action !== 'paused' && r.action !== 'resumed') {
    // A reject, cancel or abort that did what was asked exits 0 (its outcome is rejected, cancelled or aborted).
    return follow(session, r.state.operationId, o, 'done', opts.pollMs, specFor(c).succeedsWith ?? []);
  }
  return code;
}

const SUCCESS = ['succeeded', 'no-changes'];

/** Prints phase changes as they happen; stops at the approval wait ('approval') or at the end ('done'). */
async function follow(
  session: Session,
  operationId: string,
  o: Output,
  until: 'approval' | 'done',
  pollMs = 500,
  alsoSuccess: readonly string[] = [],
): Promise<number> {
  let last = '';
  for (;;) {
    let s: OperationState;
    try {
      s = await session.gateway.state(operationId);
    } catch (e) {
      const words = refusalOf(e);
      if (!words) throw e;
      o.err(words.message);
      return 1;
    }
    const w = s.rollout?.weights;
    const key = `${s.phase}|${s.approvals.length}|${s.outcome ?? ''}|${w ? `${w.blue}/${w.green}` : ''}`;
    if (key !== last) {
      last = key;
      if (s.phase === 'awaiting-approval' && s.preview && s.approvals.length < s.approvalsRequired) {
        o.out(renderPreview(s));
        o.out(
          `waiting for ${s.approvalsRequired - s.approvals.length} approval(s) until ${s.approvalDeadline ?? '?'} — an approver runs: ${cliName()} --as <approver> approve ${operationId}`,
        );
      } else if (s.phase === 'done') {
        const ok = SUCCESS.includes(s.outcome ?? '') || alsoSuccess.includes(s.outcome ?? '');
        o.out(
          `${s.outcome === 'succeeded' || s.outcome === 'no-changes' ? 'DONE' : (s.outcome?.toUpperCase() ?? 'DONE')}: ${s.message ?? ''}`,
        );
        if (s.outcome === 'validation-failed') o.out(renderFindings(s.findings));
        if (s.events.length)
          o.out(
            s.events
              .slice(0, 10)
              .map((e) => `  ${e.at} ${e.logicalId} ${e.status}${e.reason ? ` — ${e.reason}` : ''}`)
              .join('\n'),
          );
        return ok ? 0 : 1;
      } else if (s.phase === 'awaiting-approval' && s.approvals.length >= s.approvalsRequired) {
        // Approved; the workflow has not moved on yet. Nothing new to say.
      } else {
        const lastAnalysis = s.rollout?.analyses.at(-1);
        o.out(
          `… ${phaseText(s)}` +
            (w && s.rollout && s.rollout.stepIndex >= 0 ? ` — blue ${w.blue}% / green ${w.green}%` : '') +
            (s.phase === 'shifting-traffic' || !lastAnalysis
              ? ''
              : ` (last analysis ${lastAnalysis.passed ? 'passed' : 'FAILED'})`),
        );
      }
    }
    if (until === 'approval' && s.phase === 'awaiting-approval') return 0;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
