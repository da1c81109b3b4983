import type { types } from '@slack/bolt';
import type { CommandResult, CostReportResult } from '../../core/commands/results';
import type { Command, KubeReadCommand } from '../../core/commands/types';
import { renderAlerts, renderSchedules } from '../text/alerts';
import { renderDrift } from '../text/drift';
import { renderVerify } from '../text/verify';
import { renderAllocation, renderCost } from '../text/cost';
import { renderIdle } from '../text/idle';
import { renderFreezes } from '../text/freezes';
import { renderPromotions } from '../text/promotions';
import { renderScan } from '../text/scan';
import { renderWaiverChange, renderWaiverList } from '../text/waivers';
import { renderLogExport } from '../text/log-export';
import { validationSummaryLines } from '../../core/compliance/validation-summary';
import { renderAudit, renderKubeRead, renderList, renderState } from '../text/render';
import { userText } from './escape';
import { textReply } from './text';

/** An answer in Slack: the notification text and the blocks. */
export interface SlackAnswer {
  readonly text: string;
  readonly blocks: types.KnownBlock[];
}

/**
 * Slack's words for what the dispatcher returned. `channel` is where a started operation reports. Text that came
 * from a person (a reject reason) is escaped so it can never mention anyone; the terminal's plain-text renderers
 * are reused for tables and states, shown preformatted.
 */
/** A cost report's numbers as a Slack message (the answer to `cost …`, and the scheduled weekly report). */
export function costReply(c: CostReportResult): ReturnType<typeof textReply> {
  const k = renderCost(c);
  return textReply(`:moneybag: ${userText(k.headline)}`, k.body);
}

export function renderSlackResult(c: Command, r: CommandResult, channel: string): SlackAnswer {
  switch (r.kind) {
    case 'help':
      return textReply('*infra-agent commands* — use them as `/infra <command>`, by @mention, or in a DM:', r.text);
    case 'whoami': {
      const id = r.identity;
      return textReply(
        `[${id.environment.toUpperCase()}] account ${id.account}, region ${id.region}`,
        `arn: ${id.arn}\nuser id: ${id.userId}`,
      );
    }
    case 'started':
      return textReply(
        `${r.started.duplicate ? 'Already started' : 'Started'} \`${r.started.operationId}\` — ${r.what} in *${r.environment.toUpperCase()}*. ` +
          `Progress${c.name.startsWith('helm-') ? ', the diff' : ''} and approval buttons follow in <#${channel}>.`,
      );
    case 'decided': {
      const op = `\`${r.state.operationId}\``;
      switch (r.action) {
        case 'approved':
          return textReply(`:white_check_mark: Approved ${op}.`);
        case 'rejected':
          return textReply(
            `:no_entry: Rejected ${op}: ${userText('reason' in c ? c.reason : (r.state.rejection?.reason ?? ''))}`,
          );
        case 'cancelled':
          return textReply(`Cancelling ${op}.`);
        case 'paused':
          return textReply(`:double_vertical_bar: Paused ${op} — traffic stays where it is until resume or abort.`);
        case 'resumed':
          return textReply(`:arrow_forward: Resumed ${op} — traffic steps continue.`);
        case 'aborting':
          return textReply(`:rewind: Aborting ${op}: traffic goes back to the old colour.`);
        case 'kept':
          return textReply(
            `:lock: Kept ${userText(r.state.target)}: tagged keep-until, the reap (${op}) deletes nothing.`,
          );
      }
      break;
    }
    case 'state':
      return textReply(
        `Status of \`${r.state.operationId}\`:${r.heldUpBy ? ` :warning: held up — ${userText(r.heldUpBy)}` : ''}`,
        renderState(r.state),
      );
    case 'list':
      return textReply('*Operations* (running first):', renderList(r.operations));
    case 'audit':
      return textReply(`*Audit trail* (last ${r.records.length}):`, renderAudit(r.records));
    case 'stack-status': {
      const s = r.status;
      const env = ('env' in c ? c.env : '').toUpperCase();
      if (!s.exists) return textReply(`[${env}] ${r.stackName} does not exist.`);
      return textReply(
        `[${env}] ${r.stackName}: *${s.status ?? '?'}*${s.reason ? ` — ${userText(s.reason)}` : ''}`,
        [
          ...Object.entries(s.outputs).map(([k, v]) => `output ${k} = ${v}`),
          ...s.events.map((e) => `${e.at} ${e.logicalId} ${e.status}`),
        ].join('\n') || undefined,
      );
    }
    case 'validation': {
      const v = r.report;
      return textReply(
        `${v.passed ? ':white_check_mark: PASSED' : ':x: FAILED'}: ${userText(v.files.join(', '))}`,
        validationSummaryLines(v).join('\n') || undefined,
      );
    }
    case 'cost':
      // The chart is uploaded into the same thread by the bot (files.uploadV2) right after this answer.
      return costReply(r.cost);
    case 'allocation': {
      // The chart is uploaded into the same thread by the bot (files.uploadV2) right after this answer.
      const a = renderAllocation(r.allocation);
      return textReply(`:moneybag: ${userText(a.headline)}`, a.body);
    }
    case 'idle': {
      const k = renderIdle(r.report);
      return textReply(`:zzz: ${userText(k.headline)}`, k.body || undefined);
    }
    case 'freezes': {
      const f = renderFreezes(r.report);
      return textReply(
        `${f.frozen ? ':snowflake:' : ':white_check_mark:'} ${userText(f.headline)}`,
        f.body || undefined,
      );
    }
    case 'promotions': {
      const p = renderPromotions(r.environment, r.records);
      return textReply(userText(p.headline), p.body || undefined);
    }
    case 'scan': {
      const s = renderScan(r.scan);
      return textReply(`${s.clean ? ':white_check_mark:' : ':warning:'} ${userText(s.headline)}`, s.body || undefined);
    }
    case 'waiver': {
      const w = renderWaiverChange(r.action, r.waiver);
      return textReply(`:shield: ${userText(w.headline)}`, w.body);
    }
    case 'waivers': {
      const w = renderWaiverList(r.environment, r.waivers);
      return textReply(userText(w.headline), w.body || undefined);
    }
    case 'drift': {
      const d = renderDrift(r.report);
      if (r.remediation === 'nothing-drifted')
        return textReply(
          `:white_check_mark: nothing to remediate, nothing started: ${userText(d.headline)}`,
          d.body || undefined,
        );
      return textReply(`${d.clean ? ':white_check_mark:' : ':warning:'} ${userText(d.headline)}`, d.body || undefined);
    }
    case 'verify': {
      const v = renderVerify(r.report);
      const icon = v.passed ? ':white_check_mark:' : r.report.status === 'NOT_DEPLOYED' ? ':grey_question:' : ':x:';
      return textReply(`${icon} ${userText(v.headline)}`, v.body || undefined);
    }
    case 'schedules': {
      const s = renderSchedules(r.schedules, r.action);
      return textReply(`:calendar: ${userText(s.headline)}`, s.body || undefined);
    }
    case 'alerts': {
      const a = renderAlerts(r.alerts, r.action);
      return textReply(`:rotating_light: ${userText(a.headline)}`, a.body || undefined);
    }
    case 'kube-read': {
      const { headline, body } = renderKubeRead(c as KubeReadCommand, r.read);
      const exported = renderLogExport(r.read.result);
      const reply = textReply(userText(headline), body || undefined);
      if (!exported) return reply;
      return {
        text: reply.text,
        blocks: [
          ...reply.blocks,
          { type: 'context', elements: [{ type: 'mrkdwn', text: `:page_facing_up: ${exported}` }] },
        ],
      };
    }
  }
  return textReply('');
}
