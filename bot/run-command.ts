import type { types } from '@slack/bolt';
import { renderHelp } from '../core/commands/help';
import { parseCommand } from '../core/commands/parse';
import type { Command } from '../core/commands/types';
import { SENSITIVE_READS } from '../core/llm/proposal';
import type { StackOperationInput } from '../workflows/definitions';
// The terminal's plain-text renderers are pure; Slack shows the same text preformatted.
import { phaseText, renderAudit, renderKubeRead, renderList, renderState } from '../presentation/text/render';
import type { EnvironmentName } from '../core/environments';
import { textReply } from '../presentation/slack/text';
import { renderLogExport } from '../presentation/text/log-export';
import type { BotDeps } from './deps';
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
 * Commands that change nothing and reveal nothing sensitive: the only ones people unknown to the config may run.
 * Pod logs are left out on purpose: applications log request data, tokens and personal data by mistake. So is
 * describe: a pod's description prints its environment values, which may hold secrets.
 */
const READ_ONLY: ReadonlySet<Command['name']> = new Set([
  'help',
  'list',
  'operation-status',
  'stack-status',
  'audit',
  'whoami',
  'validate',
  'service-pods',
  'service-events',
  'service-deployments',
  'rollout-status',
  'helm-history',
  'helm-diff',
]);

/** Why each sensitive read (core's SENSITIVE_READS: known users only, everywhere) is refused to others. */
const SENSITIVE_REFUSAL: Partial<Record<Command['name'], string>> = {
  'pod-logs':
    ":lock: Pod logs can hold request data and secrets logged by mistake, so they are for people in infra-agent's user list; yours is not. Ask the platform team to add you (pods, events and deployments work meanwhile).",
  describe:
    ":lock: A description shows a pod's environment values, which can hold secrets, so describe is for people in infra-agent's user list; yours is not. Ask the platform team to add you (pods, events, deployments and rollout status work meanwhile).",
};

/**
 * Runs one line of the `/infra` grammar (the terminal's, unchanged) for a Slack person. `where` is the
 * conversation a started operation reports into. Known refusals are answers, never exceptions.
 */
export async function runCommand(
  deps: BotDeps,
  who: SlackIdentity,
  line: string,
  where: NonNullable<StackOperationInput['notify']>,
): Promise<Reply> {
  const gw = deps.gateway;
  const parsed = parseCommand(line, { stacks: gw.stackNames, services: gw.serviceNames, releases: gw.releaseNames });
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
  if (!who.known && SENSITIVE_READS.has(c.name)) {
    return failed(
      textReply(SENSITIVE_REFUSAL[c.name] ?? `:lock: \`${c.name}\` is for people in infra-agent's user list.`),
    );
  }
  if (!who.known && !READ_ONLY.has(c.name)) {
    return failed(
      textReply(
        `:lock: \`${c.name}\` changes infrastructure or steers an operation, and your Slack account is not in infra-agent's user list, so you can only run read-only commands (help, list, status, audit, pods, events, …; pod logs and describe need a known user). Ask the platform team to add you.`,
      ),
    );
  }
  try {
    return await dispatch(deps, who, c, where);
  } catch (e) {
    const err = e as Error;
    const label = { PermissionDenied: 'refused', OperationConflict: 'busy', InvalidInput: 'invalid' }[err.name];
    if (label) return failed(textReply(`:no_entry: ${label}: ${err.message}`));
    deps.logger?.error(`command '${c.name}' failed: ${err.message}`);
    return failed(textReply(`:x: \`${c.name}\` failed: ${err.message}`));
  }
}

async function dispatch(
  deps: BotDeps,
  who: SlackIdentity,
  c: Command,
  where: NonNullable<StackOperationInput['notify']>,
): Promise<Reply> {
  const gw = deps.gateway;
  const r = who.requester;
  switch (c.name) {
    case 'help':
      return textReply(
        '*infra-agent commands* — use them as `/infra <command>`, by @mention, or in a DM:',
        renderHelp(c.command),
      );
    case 'deploy-stack':
    case 'delete-stack': {
      const started = await gw.startStackOperation(c.name, c.stack, c.env, r, { notify: where });
      const e = deps.config.environments[c.env];
      return textReply(
        `${started.duplicate ? 'Already started' : 'Started'} \`${started.operationId}\` — ${c.name === 'deploy-stack' ? 'deploy' : 'delete'} ` +
          `${gw.stackName(c.stack, c.env)} in *${c.env.toUpperCase()}* (account ${e.account}, ${e.region}). Progress and approval buttons follow in <#${where.channel}>.`,
      );
    }
    case 'rollout':
    case 'rollback': {
      const started =
        c.name === 'rollout'
          ? await gw.startRollout(c.service, c.version, c.env, r, { notify: where })
          : await gw.startRollback(c.service, c.env, r, { notify: where });
      return textReply(
        `${started.duplicate ? 'Already started' : 'Started'} \`${started.operationId}\` — ${c.name === 'rollout' ? `rollout of ${c.service} ${c.version}` : `rollback of ${c.service}`} ` +
          `in *${c.env.toUpperCase()}*. Progress and approval buttons follow in <#${where.channel}>.`,
      );
    }
    case 'helm-install':
    case 'helm-upgrade':
    case 'helm-rollback': {
      const started = await gw.startHelmRelease(c.name, c.release, c.env, r, {
        notify: where,
        ...(c.name === 'helm-rollback' ? { revision: c.revision } : {}),
      });
      return textReply(
        `${started.duplicate ? 'Already started' : 'Started'} \`${started.operationId}\` — ${c.name.replace('-', ' ')} ${c.release} ` +
          `in *${c.env.toUpperCase()}*. The diff and approval buttons follow in <#${where.channel}>.`,
      );
    }
    case 'rollout-pause':
    case 'rollout-resume': {
      const action = c.name === 'rollout-pause' ? 'pause' : 'resume';
      const s = await gw.controlRollout(c.op, action, r);
      return textReply(
        `${action === 'pause' ? ':double_vertical_bar: Paused' : ':arrow_forward: Resumed'} \`${c.op}\` — ${phaseText(s)}.`,
      );
    }
    case 'rollout-abort':
      await gw.controlRollout(c.op, 'abort', r);
      return textReply(`:rewind: Aborting \`${c.op}\`: traffic goes back to the old colour.`);
    case 'service-pods':
    case 'service-events':
    case 'service-deployments':
    case 'pod-logs':
    case 'rollout-status':
    case 'describe':
    case 'helm-history':
    case 'helm-diff': {
      // A log longer than shown goes in full to the requester's DM with the bot (only known users read logs).
      const slackUserId = deps.config.users[r.userId]?.slack?.userId;
      const read = await gw.kubernetesRead(c, r, slackUserId ? { exportLogTo: { kind: 'slack-dm', slackUserId } } : {});
      const { headline, body } = renderKubeRead(c, read);
      const exported = renderLogExport(read.result);
      const reply = textReply(headline, body || undefined);
      if (!exported) return reply;
      return {
        text: reply.text,
        blocks: [
          ...reply.blocks,
          { type: 'context', elements: [{ type: 'mrkdwn', text: `:page_facing_up: ${exported}` }] },
        ],
      };
    }
    case 'approve': {
      const env = envOf(c.op);
      if (env && deps.config.environments[env].approval.mfa) {
        return textReply(
          `:closed_lock_with_key: \`${c.op}\` needs an MFA code: use the *Approve* button on its message.`,
        );
      }
      const before = await gw.state(c.op);
      await gw.approve(c.op, r, before.preview ? { artifactId: before.preview.artifactId } : {});
      return textReply(`:white_check_mark: Approved \`${c.op}\`.`);
    }
    case 'reject':
      await gw.reject(c.op, r, c.reason);
      return textReply(`:no_entry: Rejected \`${c.op}\`: ${c.reason}`);
    case 'cancel':
      await gw.cancel(c.op, r);
      return textReply(`Cancelling \`${c.op}\`.`);
    case 'operation-status':
      return textReply(`Status of \`${c.op}\`:`, renderState(await gw.state(c.op)));
    case 'list':
      return textReply('*Operations* (running first):', renderList(await gw.list()));
    case 'audit':
      return textReply(`*Audit trail* (last ${c.n}):`, renderAudit(await gw.audit(c.n)));
    case 'whoami': {
      const id = await gw.whoami(c.env, r);
      return textReply(
        `[${c.env.toUpperCase()}] account ${id.account}, region ${id.region}`,
        `arn: ${id.arn}\nuser id: ${id.userId}`,
      );
    }
    case 'stack-status': {
      const s = await gw.stackStatus(c.stack, c.env, r);
      const name = gw.stackName(c.stack, c.env);
      if (!s.exists) return textReply(`[${c.env.toUpperCase()}] ${name} does not exist.`);
      return textReply(
        `[${c.env.toUpperCase()}] ${name}: *${s.status}*${s.reason ? ` — ${s.reason}` : ''}`,
        [
          ...Object.entries(s.outputs).map(([k, v]) => `output ${k} = ${v}`),
          ...s.events.map((e) => `${e.at} ${e.logicalId} ${e.status}`),
        ].join('\n') || undefined,
      );
    }
    case 'validate': {
      const v = await gw.validate(c.path, r);
      return textReply(
        `${v.passed ? ':white_check_mark: PASSED' : ':x: FAILED'}: ${v.files.join(', ')}`,
        v.findings.map((f) => `${f.severity} ${f.control ?? ''} ${f.rule}: ${f.message}`).join('\n') || undefined,
      );
    }
  }
}

/** The environment an operation id names (`stack/<env>/<name>`). */
export function envOf(operationId: string): EnvironmentName | undefined {
  const env = operationId.split('/')[1];
  return env === 'dev' || env === 'tst' || env === 'prd' ? env : undefined;
}
