import type { CommandResult } from '../../core/commands/results';
import type { Command } from '../../core/commands/types';
import { renderAlerts, renderSchedules } from './alerts';
import { renderDrift } from './drift';
import { renderVerify } from './verify';
import { renderAllocation, renderCost } from './cost';
import { renderIdle } from './idle';
import { renderFreezes } from './freezes';
import { renderPromotions } from './promotions';
import { renderScan } from './scan';
import { renderWaiverChange, renderWaiverList } from './waivers';
import { renderLogExport } from './log-export';
import { validationSummaryLines } from '../../core/compliance/validation-summary';
import { renderAudit, renderKubeRead, renderList, renderPreview, renderState } from './render';

/** One command's answer in the terminal: the text, and whether it counts as done (exit code 0) or not (1). */
export interface TextAnswer {
  readonly text: string;
  readonly ok: boolean;
}

/** The terminal's words for what the dispatcher returned (a started operation is then followed by the caller). */
export function renderResult(c: Command, r: CommandResult, who: string): TextAnswer {
  switch (r.kind) {
    case 'help':
      return { text: r.text, ok: true };
    case 'whoami': {
      const id = r.identity;
      return {
        text: `[${id.environment}] account ${id.account} region ${id.region}\n  arn: ${id.arn}\n  user id: ${id.userId}`,
        ok: true,
      };
    }
    case 'started':
      return {
        text: `[${r.environment}] ${r.started.duplicate ? 'already started' : 'started'} ${r.started.operationId} (${r.what})${r.started.url ? `\n  ${r.started.url}` : ''}`,
        ok: true,
      };
    case 'decided': {
      const op = r.state.operationId;
      switch (r.action) {
        case 'approved':
          return {
            text: `approved by ${who}${r.state.preview || r.state.rollout || r.state.promotion ? `:\n${renderPreview(r.state)}` : ''}`,
            ok: true,
          };
        case 'rejected':
          return { text: `rejected ${op}: ${'reason' in c ? c.reason : (r.state.rejection?.reason ?? '')}`, ok: true };
        case 'cancelled':
          return { text: `cancelling ${op}`, ok: true };
        case 'paused':
          return { text: `paused ${op} by ${who} — traffic stays where it is until resume or abort`, ok: true };
        case 'resumed':
          return { text: `resumed ${op} by ${who} — traffic steps continue`, ok: true };
        case 'aborting':
          return { text: `aborting ${op}: traffic goes back to the old colour`, ok: true };
        case 'kept':
          return { text: `kept ${r.state.target} (${op}) by ${who}: tagged keep-until, nothing is deleted`, ok: true };
      }
      break;
    }
    case 'state':
      return { text: renderState(r.state) + (r.heldUpBy ? `\nHELD UP: ${r.heldUpBy}` : ''), ok: true };
    case 'list':
      return { text: renderList(r.operations), ok: true };
    case 'audit':
      return { text: renderAudit(r.records), ok: true };
    case 'stack-status': {
      const s = r.status;
      const env = 'env' in c ? c.env : '';
      if (!s.exists) return { text: `[${env}] ${r.stackName} does not exist`, ok: true };
      return {
        text: [
          `[${env}] ${r.stackName}: ${s.status ?? '?'}${s.reason ? ` — ${s.reason}` : ''}${s.lastUpdated ? ` (last change ${s.lastUpdated})` : ''}`,
          ...Object.entries(s.outputs).map(([k, v]) => `  output ${k} = ${v}`),
          ...s.events.map((e) => `  ${e.at} ${e.logicalId} ${e.status}${e.reason ? ` — ${e.reason}` : ''}`),
        ].join('\n'),
        ok: true,
      };
    }
    case 'validation':
      return {
        text: [
          `${r.report.passed ? 'PASSED' : 'FAILED'}: ${r.report.files.join(', ')}`,
          ...validationSummaryLines(r.report),
        ].join('\n'),
        ok: r.report.passed,
      };
    case 'cost': {
      const k = renderCost(r.cost);
      return { text: [k.headline, k.body].join('\n'), ok: true };
    }
    case 'allocation': {
      const a = renderAllocation(r.allocation);
      return { text: [a.headline, a.body].join('\n'), ok: true };
    }
    case 'idle': {
      const k = renderIdle(r.report);
      return { text: [k.headline, k.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'freezes': {
      const f = renderFreezes(r.report);
      return { text: [f.headline, f.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'promotions': {
      const p = renderPromotions(r.environment, r.records);
      return { text: [p.headline, p.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'scan': {
      const s = renderScan(r.scan);
      // Findings are an answer, not a failure of the command: exit code 1 only tells scripts "found something".
      return { text: [s.headline, s.body].filter(Boolean).join('\n'), ok: s.clean };
    }
    case 'waiver': {
      const w = renderWaiverChange(r.action, r.waiver);
      return { text: `${w.headline}\n${w.body}`, ok: true };
    }
    case 'waivers': {
      const w = renderWaiverList(r.environment, r.waivers);
      return { text: [w.headline, w.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'drift': {
      const d = renderDrift(r.report);
      if (r.remediation === 'nothing-drifted')
        return {
          text: [`nothing to remediate, nothing started: ${d.headline}`, d.body].filter(Boolean).join('\n'),
          ok: true,
        };
      // A drift found is an answer, not a failure of the command: exit code 1 only tells scripts "drifted".
      return { text: [d.headline, d.body].filter(Boolean).join('\n'), ok: d.clean };
    }
    case 'verify': {
      const v = renderVerify(r.report);
      // A failed verification is an answer, not a failure of the command: exit code 1 tells scripts "not verified".
      return { text: [v.headline, v.body].filter(Boolean).join('\n'), ok: v.passed };
    }
    case 'schedules': {
      const s = renderSchedules(r.schedules, r.action);
      return { text: [s.headline, s.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'alerts': {
      const a = renderAlerts(r.alerts, r.action);
      return { text: [a.headline, a.body].filter(Boolean).join('\n'), ok: true };
    }
    case 'kube-read': {
      const { headline, body } = renderKubeRead(c as Parameters<typeof renderKubeRead>[0], r.read);
      return { text: [headline, body, renderLogExport(r.read.result)].filter(Boolean).join('\n'), ok: true };
    }
  }
  return { text: '', ok: true };
}
