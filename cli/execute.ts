import { renderHelp } from '../core/commands/help';
import { parseCommand } from '../core/commands/parse';
import type { Command } from '../core/commands/types';
import type { OperationState } from '../core/operations';
import type { MfaVerifier } from '../core/mfa';
import { mfaRefusalText } from '../core/mfa';
import type { Requester } from '../core/requester';
import {
  renderAudit,
  renderFindings,
  renderKubeRead,
  renderList,
  renderPreview,
  renderState,
  phaseText,
} from '../presentation/text/render';
import { renderLogExport } from '../presentation/text/log-export';
import type { Session } from './session';
import { answerProposal, isProposalAnswer, understand } from './understand';

/** Where a command's answer goes (stdout/stderr for one-shot use; the REPL's screen in chat). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export interface ExecuteOptions {
  /** Follow a deploy/delete until it finishes instead of returning once it waits for approval. */
  readonly follow?: boolean;
  readonly pollMs?: number;
  /** Step-up MFA for approvals in environments that require it (PRD); absent = such approvals are refused. */
  readonly mfa?: TerminalMfa;
}

/** How the terminal checks a second factor: the shared verifier, and where the code comes from. */
export interface TerminalMfa {
  readonly verifier: MfaVerifier;
  /** The 6-digit code: from --mfa-code, or asked for on the terminal. Undefined = none given. */
  askCode(prompt: string): Promise<string | undefined>;
}

/** Parses and runs one line. Returns a process exit code: 0 done, 1 failed or refused, 2 not understood. */
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
  const parsed = parseCommand(line, { stacks: gw.stackNames, services: gw.serviceNames, releases: gw.releaseNames });
  if (!parsed.ok) return understand(session, requester, line, parsed.error, o, dispatch);
  try {
    return await run(session, requester, parsed.command, o, opts);
  } catch (e) {
    const err = e as Error;
    // Known conditions (refusals, conflicts, bad input) are answers, not crashes: print the message only.
    if (err.name === 'NoWorkerAnswering') {
      o.err(err.message);
      return 1;
    }
    if (['PermissionDenied', 'OperationConflict', 'InvalidInput'].includes(err.name)) {
      o.err(
        `${err.name === 'PermissionDenied' ? 'refused' : err.name === 'OperationConflict' ? 'busy' : 'invalid'}: ${err.message}`,
      );
      return 1;
    }
    throw e;
  }
}

async function run(
  session: Session,
  requester: Requester,
  c: Command,
  o: Output,
  opts: ExecuteOptions,
): Promise<number> {
  const gw = session.gateway;
  switch (c.name) {
    case 'help':
      o.out(renderHelp(c.command));
      return 0;
    case 'whoami': {
      const id = await gw.whoami(c.env, requester);
      o.out(`[${c.env}] account ${id.account} region ${id.region}\n  arn: ${id.arn}\n  user id: ${id.userId}`);
      return 0;
    }
    case 'deploy-stack':
    case 'delete-stack': {
      const started = await gw.startStackOperation(c.name, c.stack, c.env, requester);
      o.out(
        `[${c.env}] ${started.duplicate ? 'already started' : 'started'} ${started.operationId} (${c.name} ${gw.stackName(c.stack, c.env)} in account ${session.config.environments[c.env].account}, ${session.config.environments[c.env].region})${started.url ? `\n  ${started.url}` : ''}`,
      );
      return follow(session, started.operationId, o, opts.follow ? 'done' : 'approval', opts.pollMs);
    }
    case 'rollout':
    case 'rollback': {
      const started =
        c.name === 'rollout'
          ? await gw.startRollout(c.service, c.version, c.env, requester)
          : await gw.startRollback(c.service, c.env, requester);
      const what = c.name === 'rollout' ? `rollout of ${c.service} ${c.version}` : `rollback of ${c.service}`;
      o.out(
        `[${c.env}] ${started.duplicate ? 'already started' : 'started'} ${started.operationId} (${what})${started.url ? `\n  ${started.url}` : ''}`,
      );
      return follow(session, started.operationId, o, opts.follow ? 'done' : 'approval', opts.pollMs);
    }
    case 'helm-install':
    case 'helm-upgrade':
    case 'helm-rollback': {
      const started = await gw.startHelmRelease(c.name, c.release, c.env, requester, {
        ...(c.name === 'helm-rollback' ? { revision: c.revision } : {}),
      });
      o.out(
        `[${c.env}] ${started.duplicate ? 'already started' : 'started'} ${started.operationId} (${c.name.replace('-', ' ')} ${c.release})${started.url ? `\n  ${started.url}` : ''}`,
      );
      return follow(session, started.operationId, o, opts.follow ? 'done' : 'approval', opts.pollMs);
    }
    case 'rollout-pause':
    case 'rollout-resume': {
      const action = c.name === 'rollout-pause' ? 'pause' : 'resume';
      const s = await gw.controlRollout(c.op, action, requester);
      o.out(`${action === 'pause' ? 'paused' : 'resumed'} ${c.op} by ${requester.userId} — ${phaseText(s)}`);
      return 0;
    }
    case 'rollout-abort': {
      await gw.controlRollout(c.op, 'abort', requester);
      o.out(`aborting ${c.op}: traffic goes back to the old colour`);
      return follow(session, c.op, o, 'done', opts.pollMs);
    }
    case 'service-pods':
    case 'service-events':
    case 'service-deployments':
    case 'pod-logs':
    case 'rollout-status':
    case 'describe':
    case 'helm-history':
    case 'helm-diff': {
      // A log longer than shown is also written in full to a file on the worker (the sandbox: this machine).
      const read = await gw.kubernetesRead(c, requester, { exportLogTo: { kind: 'file' } });
      const { headline, body } = renderKubeRead(c, read);
      const exported = renderLogExport(read.result);
      o.out([headline, body, exported].filter(Boolean).join('\n'));
      return 0;
    }
    case 'approve': {
      const before = await gw.state(c.op);
      if (before.preview || before.rollout) o.out(`approving:\n${renderPreview(before)}`);
      let mfaVerified = false;
      if (session.config.environments[before.environment].approval.mfa) {
        const verdict = await stepUp(opts.mfa, requester, before.environment);
        if (verdict !== 'ok') {
          o.err(verdict);
          // Still sent (unverified): the workflow refuses it and the gateway audits the refused attempt.
          await gw
            .approve(c.op, requester, { ...(before.preview ? { artifactId: before.preview.artifactId } : {}) })
            .catch(() => undefined);
          return 1;
        }
        mfaVerified = true;
      }
      await gw.approve(c.op, requester, {
        ...(before.preview ? { artifactId: before.preview.artifactId } : {}),
        mfaVerified,
      });
      o.out(`approved by ${requester.userId}`);
      return follow(session, c.op, o, 'done', opts.pollMs);
    }
    case 'reject': {
      const s = await gw.reject(c.op, requester, c.reason);
      o.out(`rejected ${s.operationId}: ${c.reason}`);
      return follow(session, c.op, o, 'done', opts.pollMs);
    }
    case 'cancel': {
      await gw.cancel(c.op, requester);
      o.out(`cancelling ${c.op}`);
      return follow(session, c.op, o, 'done', opts.pollMs);
    }
    case 'operation-status':
      o.out(renderState(await gw.state(c.op)));
      return 0;
    case 'list':
      o.out(renderList(await gw.list()));
      return 0;
    case 'audit':
      o.out(renderAudit(await gw.audit(c.n)));
      return 0;
    case 'stack-status': {
      const s = await gw.stackStatus(c.stack, c.env, requester);
      if (!s.exists) {
        o.out(`[${c.env}] ${gw.stackName(c.stack, c.env)} does not exist`);
        return 0;
      }
      o.out(
        [
          `[${c.env}] ${gw.stackName(c.stack, c.env)}: ${s.status}${s.reason ? ` — ${s.reason}` : ''}${s.lastUpdated ? ` (last change ${s.lastUpdated})` : ''}`,
          ...Object.entries(s.outputs).map(([k, v]) => `  output ${k} = ${v}`),
          ...s.events.map((e) => `  ${e.at} ${e.logicalId} ${e.status}${e.reason ? ` — ${e.reason}` : ''}`),
        ].join('\n'),
      );
      return 0;
    }
    case 'validate': {
      const r = await gw.validate(c.path, requester);
      o.out(`${r.passed ? 'PASSED' : 'FAILED'}: ${r.files.join(', ')}\n${renderFindings(r.findings)}`);
      return r.passed ? 0 : 1;
    }
  }
}

/** Prints phase changes as they happen; stops at the approval wait ('approval') or at the end ('done'). */
async function follow(
  session: Session,
  operationId: string,
  o: Output,
  until: 'approval' | 'done',
  pollMs = 500,
): Promise<number> {
  let last = '';
  for (;;) {
    const s: OperationState = await session.gateway.state(operationId);
    const w = s.rollout?.weights;
    const key = `${s.phase}|${s.approvals.length}|${s.outcome ?? ''}|${w ? `${w.blue}/${w.green}` : ''}`;
    if (key !== last) {
      last = key;
      if (s.phase === 'awaiting-approval' && s.preview && s.approvals.length < s.approvalsRequired) {
        o.out(renderPreview(s));
        o.out(
          `waiting for ${s.approvalsRequired - s.approvals.length} approval(s) until ${s.approvalDeadline ?? '?'} — an approver runs: infra-agent --as <approver> approve ${operationId}`,
        );
      } else if (s.phase === 'done') {
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
        return s.outcome === 'succeeded' || s.outcome === 'no-changes' ? 0 : 1;
      } else if (s.phase === 'awaiting-approval' && s.approvals.length >= s.approvalsRequired) {
        // Approved; the workflow has not moved on yet. Nothing new to say.
      } else {
        const last = s.rollout?.analyses.at(-1);
        o.out(
          `… ${phaseText(s)}` +
            (w && s.rollout && s.rollout.stepIndex >= 0 ? ` — blue ${w.blue}% / green ${w.green}%` : '') +
            (s.phase === 'shifting-traffic' || !last ? '' : ` (last analysis ${last.passed ? 'passed' : 'FAILED'})`),
        );
      }
    }
    if (until === 'approval' && s.phase === 'awaiting-approval') return 0;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Step-up MFA in the terminal: 'ok', or the sentence saying why not and what to do. */
async function stepUp(mfa: TerminalMfa | undefined, who: Requester, env: string): Promise<string> {
  if (!mfa) {
    return (
      `approvals in ${env} need an MFA code, and this terminal has no MFA store: set INFRA_AGENT_MFA_KEY (the ` +
      'key the bot uses) and pass --mfa-code <6 digits>, or approve in Slack'
    );
  }
  if (!(await mfa.verifier.isEnrolled(who.userId))) return mfaRefusalText('not-enrolled');
  const code = (await mfa.askCode(`MFA code for ${who.userId} (${env} approval): `))?.trim();
  if (!code) return `approvals in ${env} need an MFA code: pass --mfa-code <6 digits>`;
  const verdict = await mfa.verifier.verify(who.userId, code);
  return verdict === 'ok' ? 'ok' : mfaRefusalText(verdict);
}
