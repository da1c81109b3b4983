import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Change, CloudFormationClient, Stack, StackEvent } from '@aws-sdk/client-cloudformation';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { Context, sleep } from '@temporalio/activity';
import type { CredentialBroker } from '../../adapters/aws/assume-role';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { AccessGrant } from '../../core/access';
import { parseCfnTemplate } from '../../core/compliance/cfn-template';
import { ChangeSetFailed, InvalidInput, PermissionDenied, StackNotFound } from '../../core/errors';
import type { ChangePreview, ResourceChange, StackEventSummary } from '../../core/operations';
import { activityToken, currentRun, runToken } from './tokens';

export interface CloudFormationDeps {
  readonly aws: AwsClientFactory;
  /** Just-in-time credentials for approved mutations; without it the worker's own credentials are used. */
  readonly broker?: CredentialBroker;
  /** Relative template paths resolve against this (the config's infraDir). */
  readonly infraDir: string;
}

interface StackRef {
  readonly region: string;
  readonly stackName: string;
}

export interface CreateChangeSetInput extends StackRef {
  readonly templatePath: string;
  /** Offered parameters; only those the template declares are passed. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly pollMs?: number;
  /**
   * A drift-aware change set (DeploymentMode REVERT_DRIFT): the stack's deployed template and parameter values
   * (nothing of the catalog's template or parameters), listing the drifted resources; executing it puts them back.
   */
  readonly revertDrift?: boolean;
}

export type CreateChangeSetResult =
  | { readonly noChanges: true; readonly changeSetName: string; readonly reason: string }
  | ({ readonly noChanges: false; readonly changeSetName: string } & ChangePreview);

export interface ChangeSetRef extends StackRef {
  readonly changeSetName: string;
  /** Present once approved when the environment has a deploy role: calls run as the approver (M4). */
  readonly grant?: AccessGrant;
}

export interface WaitForStackInput extends StackRef {
  readonly grant?: AccessGrant;
  /**
   * What the wait is for: a deploy succeeds only on CREATE/UPDATE/IMPORT_COMPLETE (a stack that vanished or
   * was deleted meanwhile is a failure), a delete only when the stack is gone. Absent in runs scheduled before
   * this field existed: those are treated as before (a missing stack counts as deleted, successfully).
   */
  readonly operation?: 'deploy' | 'delete';
  readonly sinceIso: string;
  readonly pollMs?: number;
}

export interface StackOutcome {
  readonly status: string;
  readonly reason?: string;
  readonly succeeded: boolean;
  readonly events: StackEventSummary[];
  readonly outputs: Record<string, string>;
}

const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
/** Where a deploy may end successfully. */
const DEPLOYED = /^(CREATE|UPDATE|IMPORT)_COMPLETE$/;
const DELETED = /^DELETE_COMPLETE$/;
/** Runs scheduled before the wait knew its operation: the old rule, kept so they finish as they would have. */
const SETTLED = /^(CREATE|UPDATE|IMPORT)_COMPLETE$|^DELETE_COMPLETE$/;

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  // CloudFormation reports a missing stack or change set as a 400 ValidationError / ChangeSetNotFound.
  return (
    err.name === 'ChangeSetNotFoundException' ||
    err.name === 'ChangeSetNotFound' ||
    (err.name === 'ValidationError' && /does not exist|not found/i.test(err.message ?? ''))
  );
}

export function createCloudFormationActivities(deps: CloudFormationDeps) {
  const cfn = (r: StackRef): CloudFormationClient => deps.aws.cloudFormation({ region: r.region });

  /** A client for an approved call: as the approver under the grant when there is one. */
  async function granted(
    r: StackRef & { readonly grant?: AccessGrant },
  ): Promise<{ client: CloudFormationClient; assumedRoleArn?: string }> {
    if (!r.grant) return { client: cfn(r) };
    if (!deps.broker) throw new PermissionDenied(`no credential broker configured to assume ${r.grant.roleArn}`);
    const g = await deps.broker.credentialsFor(r.grant, r.region);
    return {
      client: deps.aws.cloudFormation({ region: r.region, credentials: g.credentials }),
      assumedRoleArn: g.assumedRoleArn,
    };
  }

  async function findStack(client: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
    try {
      const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
      return out.Stacks?.[0];
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async function describeChangeSet(client: CloudFormationClient, ref: ChangeSetRef) {
    try {
      return await client.send(
        new DescribeChangeSetCommand({ StackName: ref.stackName, ChangeSetName: ref.changeSetName }),
      );
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async function allChanges(client: CloudFormationClient, ref: ChangeSetRef): Promise<Change[]> {
    const changes: Change[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new DescribeChangeSetCommand({ StackName: ref.stackName, ChangeSetName: ref.changeSetName, NextToken: token }),
      );
      changes.push(...(page.Changes ?? []));
      token = page.NextToken;
    } while (token);
    return changes;
  }

  async function recentEvents(
    client: CloudFormationClient,
    stackName: string,
    sinceIso: string,
  ): Promise<StackEvent[]> {
    const out = await client.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const since = Date.parse(sinceIso);
    return (out.StackEvents ?? []).filter((e) => (e.Timestamp?.getTime() ?? 0) >= since - 1000);
  }

  /**
   * A deploy whose stack disappeared (or reached DELETE_COMPLETE) while it waited: a failure that says so, with
   * what the stack's own events tell about the deletion (when, the request token that asked for it).
   */
  async function deletedDuringDeploy(
    client: CloudFormationClient,
    input: WaitForStackInput,
    stackId: string | undefined,
  ): Promise<StackOutcome> {
    // A deleted stack's events stay readable by its id (not by its name) for a while in CloudFormation.
    const events = stackId ? await recentEvents(client, stackId, input.sinceIso).catch(() => []) : [];
    const deletion = events
      .filter((e) => e.LogicalResourceId === input.stackName && e.ResourceStatus === 'DELETE_IN_PROGRESS')
      .at(-1);
    const by = deletion
      ? `by a DeleteStack call at ${deletion.Timestamp?.toISOString() ?? 'an unknown time'}` +
        (deletion.ClientRequestToken ? ` (request token ${deletion.ClientRequestToken})` : '') +
        ' from outside this operation'
      : 'by someone or something outside this operation';
    return {
      status: 'DELETE_COMPLETE',
      reason:
        `the stack was deleted while the deploy waited (${by}); see CloudTrail DeleteStack events and the stack ` +
        `events of ${stackId ?? input.stackName} for who deleted it`,
      succeeded: false,
      events: events.map(summarizeEvent),
      outputs: {},
    };
  }

  /**
   * The drift-aware change set of a stack as deployed (UsePreviousTemplate, every parameter's previous value, the
   * stack's own tags): created once per workflow run (same name on a retry), then awaited like any change set.
   */
  async function revertDriftChangeSet(
    client: CloudFormationClient,
    input: CreateChangeSetInput,
    ref: ChangeSetRef,
  ): Promise<CreateChangeSetResult> {
    const stack = await findStack(client, input.stackName);
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE' || stack.StackStatus === 'REVIEW_IN_PROGRESS')
      throw new StackNotFound(`stack ${input.stackName} does not exist (or was never created): nothing to remediate`);
    const template = await client.send(
      new GetTemplateCommand({ StackName: input.stackName, TemplateStage: 'Original' }),
    );
    const templateHash = createHash('sha256')
      .update(template.TemplateBody ?? '')
      .digest('hex');
    let described = await describeChangeSet(client, ref);
    if (!described) {
      await client.send(
        new CreateChangeSetCommand({
          StackName: input.stackName,
          ChangeSetName: ref.changeSetName,
          ChangeSetType: 'UPDATE',
          UsePreviousTemplate: true,
          DeploymentMode: 'REVERT_DRIFT',
          ClientToken: ref.changeSetName,
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          Parameters: (stack.Parameters ?? []).map((p) => ({ ParameterKey: p.ParameterKey, UsePreviousValue: true })),
          Description: `infra-agent ${currentRun().workflowId} (revert drift)`,
        }),
      );
      described = await describeChangeSet(client, ref);
    }
    while (described && /_PENDING$|_IN_PROGRESS$/.test(described.Status ?? '')) {
      Context.current().heartbeat({ changeSetStatus: described.Status });
      await sleep(input.pollMs ?? 3000);
      described = await describeChangeSet(client, ref);
    }
    if (!described) throw new ChangeSetFailed(`change set ${ref.changeSetName} disappeared while being created`);
    if (described.Status === 'FAILED') {
      const reason = described.StatusReason ?? 'unknown reason';
      if (NO_CHANGES.test(reason)) return { noChanges: true, changeSetName: ref.changeSetName, reason };
      throw new ChangeSetFailed(
        `CloudFormation could not make the drift-reverting change set for ${input.stackName}: ${reason}`,
      );
    }
    return {
      noChanges: false,
      artifactId: described.ChangeSetId ?? ref.changeSetName,
      stackName: input.stackName,
      changeSetName: ref.changeSetName,
      changes: resourceChanges(await allChanges(client, ref)),
      templateHash,
    };
  }

  return {
    /**
     * Creates the change set for this workflow run, or finds the one a previous attempt created (the name is
     * derived from the run, so a retry after an unknown outcome never creates a second one), then waits
     * until CloudFormation has computed it.
     */
    async createChangeSet(input: CreateChangeSetInput): Promise<CreateChangeSetResult> {
      const run = currentRun();
      const changeSetName = runToken(run.workflowId, run.runId, 'change-set');
      const ref: ChangeSetRef = { ...input, changeSetName };
      const client = cfn(input);
      if (input.revertDrift) return revertDriftChangeSet(client, input, ref);
      const path = isAbsolute(input.templatePath) ? input.templatePath : join(deps.infraDir, input.templatePath);
      const body = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new InvalidInput(`template ${input.templatePath} cannot be read (${e.code ?? e.message})`);
      });
      const templateHash = createHash('sha256').update(body).digest('hex');
      let described = await describeChangeSet(client, ref);
      if (!described) {
        const parsed = parseCfnTemplate(body);
        if (!parsed.ok) throw new InvalidInput(`template ${input.templatePath}: ${parsed.reason}`);
        const declared = Object.keys(parsed.template.Parameters ?? {});
        const stack = await findStack(client, input.stackName);
        const type = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE';
        await client.send(
          new CreateChangeSetCommand({
            StackName: input.stackName,
            ChangeSetName: changeSetName,
            ChangeSetType: type,
            TemplateBody: body,
            ClientToken: changeSetName,
            Capabilities: ['CAPABILITY_NAMED_IAM'],
            Parameters: declared
              .filter((p) => input.parameters[p] !== undefined)
              .map((p) => ({ ParameterKey: p, ParameterValue: input.parameters[p] })),
            Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
            Description: `infra-agent ${run.workflowId}`,
          }),
        );
        described = await describeChangeSet(client, ref);
      }
      while (described && /_PENDING$|_IN_PROGRESS$/.test(described.Status ?? '')) {
        Context.current().heartbeat({ changeSetStatus: described.Status });
        await sleep(input.pollMs ?? 3000);
        described = await describeChangeSet(client, ref);
      }
      if (!described) throw new ChangeSetFailed(`change set ${changeSetName} disappeared while being created`);
      if (described.Status === 'FAILED') {
        const reason = described.StatusReason ?? 'unknown reason';
        if (NO_CHANGES.test(reason)) return { noChanges: true, changeSetName, reason };
        throw new ChangeSetFailed(`CloudFormation could not create the change set for ${input.stackName}: ${reason}`);
      }
      const changes = resourceChanges(await allChanges(client, ref));
      return {
        noChanges: false,
        artifactId: described.ChangeSetId ?? changeSetName,
        stackName: input.stackName,
        changeSetName,
        changes,
        templateHash,
      };
    },

    /**
     * Discards a change set that will not be executed. A stack that only existed to hold a CREATE change set
     * (REVIEW_IN_PROGRESS) is removed too, so a rejected first deploy leaves nothing behind.
     */
    async deleteChangeSet(ref: ChangeSetRef): Promise<{ deleted: boolean; stackRemoved: boolean }> {
      const client = cfn(ref);
      const existing = await describeChangeSet(client, ref);
      if (existing)
        await client.send(new DeleteChangeSetCommand({ StackName: ref.stackName, ChangeSetName: ref.changeSetName }));
      const stack = await findStack(client, ref.stackName);
      if (stack?.StackStatus === 'REVIEW_IN_PROGRESS') {
        await client.send(new DeleteStackCommand({ StackName: ref.stackName }));
        return { deleted: existing !== undefined, stackRemoved: true };
      }
      return { deleted: existing !== undefined, stackRemoved: false };
    },

    /**
     * Executes the approved change set exactly once. Before calling, it checks whether a previous attempt
     * already did (the outcome of a call whose worker died is unknown): the change set's execution status,
     * or — once CloudFormation has removed the change set — stack events carrying our request token.
     */
    async executeChangeSet(
      ref: ChangeSetRef,
    ): Promise<{ token: string; alreadyExecuted: boolean; startedAt: string; assumedRoleArn?: string }> {
      const token = activityToken('execute');
      const { client, assumedRoleArn } = await granted(ref);
      const as = assumedRoleArn ? { assumedRoleArn } : {};
      const startedAt = new Date().toISOString();
      const cs = await describeChangeSet(client, ref);
      if (!cs) {
        const events = await client
          .send(new DescribeStackEventsCommand({ StackName: ref.stackName }))
          .catch(() => undefined);
        if (events?.StackEvents?.some((e) => e.ClientRequestToken === token))
          return { token, alreadyExecuted: true, startedAt, ...as };
        throw new ChangeSetFailed(
          `change set ${ref.changeSetName} no longer exists and was not executed by this operation`,
        );
      }
      if (cs.ExecutionStatus && cs.ExecutionStatus !== 'AVAILABLE') {
        if (/^EXECUTE_/.test(cs.ExecutionStatus)) return { token, alreadyExecuted: true, startedAt, ...as };
        throw new ChangeSetFailed(
          `change set ${ref.changeSetName} cannot be executed: ${cs.ExecutionStatus} ${cs.StatusReason ?? ''}`.trim(),
        );
      }
      await client.send(
        new ExecuteChangeSetCommand({
          StackName: ref.stackName,
          ChangeSetName: ref.changeSetName,
          ClientRequestToken: token,
        }),
      );
      return { token, alreadyExecuted: false, startedAt, ...as };
    },

    /**
     * Waits, heartbeating, until the stack leaves every *_IN_PROGRESS state; reports status and events. Whether
     * that is success depends on the operation waited for (see WaitForStackInput.operation).
     */
    async waitForStackStable(input: WaitForStackInput): Promise<StackOutcome> {
      let stackId: string | undefined;
      for (;;) {
        // Fetched per poll: the broker renews the session inside the approval's window, never beyond it.
        const { client } = await granted(input);
        const stack = await findStack(client, input.stackName);
        if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
          if (input.operation !== 'deploy')
            return { status: 'DELETE_COMPLETE', succeeded: true, events: [], outputs: {} };
          return deletedDuringDeploy(client, input, stack?.StackId ?? stackId);
        }
        stackId = stack.StackId ?? stackId;
        const status = stack.StackStatus ?? 'UNKNOWN';
        if (!status.endsWith('_IN_PROGRESS') || status === 'REVIEW_IN_PROGRESS') {
          const events = (await recentEvents(client, input.stackName, input.sinceIso)).map(summarizeEvent);
          return {
            status,
            ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
            succeeded: (input.operation === 'deploy'
              ? DEPLOYED
              : input.operation === 'delete'
                ? DELETED
                : SETTLED
            ).test(status),
            events,
            outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '?', o.OutputValue ?? ''])),
          };
        }
        Context.current().heartbeat({ status });
        await sleep(input.pollMs ?? 5000);
      }
    },

    /** Read-only: a stack's status, outputs and latest events, for `status stack`. */
    async describeStack(ref: StackRef): Promise<{
      exists: boolean;
      status?: string;
      reason?: string;
      outputs: Record<string, string>;
      events: StackEventSummary[];
      lastUpdated?: string;
    }> {
      const client = cfn(ref);
      const stack = await findStack(client, ref.stackName);
      if (!stack) return { exists: false, outputs: {}, events: [] };
      const out = await client.send(new DescribeStackEventsCommand({ StackName: ref.stackName }));
      return {
        exists: true,
        status: stack.StackStatus ?? 'UNKNOWN',
        ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
        outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '?', o.OutputValue ?? ''])),
        events: (out.StackEvents ?? []).slice(0, 10).map(summarizeEvent),
        ...(stack.LastUpdatedTime || stack.CreationTime
          ? { lastUpdated: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString() }
          : {}),
      };
    },

    /** The preview of a delete: every resource the stack holds, bound to the stack id. */
    async previewStackDeletion(ref: StackRef): Promise<ChangePreview> {
      const client = cfn(ref);
      const stack = await findStack(client, ref.stackName);
      if (!stack?.StackId || stack.StackStatus === 'DELETE_COMPLETE')
        throw new StackNotFound(`stack ${ref.stackName} does not exist in ${ref.region}`);
      const res = await client.send(new DescribeStackResourcesCommand({ StackName: ref.stackName }));
      return {
        artifactId: stack.StackId,
        stackName: ref.stackName,
        changes: (res.StackResources ?? []).map((r) => ({
          action: 'Remove' as const,
          logicalId: r.LogicalResourceId ?? '?',
          resourceType: r.ResourceType ?? '?',
          ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
        })),
      };
    },

    /** Deletes the approved stack (by its id, so a re-created stack of the same name is never touched). Idempotent. */
    async deleteStack(
      input: StackRef & { readonly stackId: string; readonly grant?: AccessGrant },
    ): Promise<{ token: string; alreadyDeleting: boolean; startedAt: string; assumedRoleArn?: string }> {
      const token = activityToken('delete');
      const { client, assumedRoleArn } = await granted(input);
      const startedAt = new Date().toISOString();
      const stack = await findStack(client, input.stackId);
      if (!stack || /^DELETE_(IN_PROGRESS|COMPLETE)$/.test(stack.StackStatus ?? ''))
        return { token, alreadyDeleting: true, startedAt, ...(assumedRoleArn ? { assumedRoleArn } : {}) };
      await client.send(new DeleteStackCommand({ StackName: input.stackId, ClientRequestToken: token }));
      return { token, alreadyDeleting: false, startedAt, ...(assumedRoleArn ? { assumedRoleArn } : {}) };
    },
  };
}

function summarizeEvent(e: StackEvent): StackEventSummary {
  return {
    at: e.Timestamp?.toISOString() ?? '',
    logicalId: e.LogicalResourceId ?? '?',
    resourceType: e.ResourceType ?? '?',
    status: e.ResourceStatus ?? '?',
    ...(e.ResourceStatusReason ? { reason: e.ResourceStatusReason } : {}),
  };
}

/** A value of a change set detail as people read it: CloudFormation's `null` is "(none)". */
const shown = (v: string | undefined): string => (v === undefined || v === 'null' ? '(none)' : v);

/** DescribeChangeSet's changes as the preview shows them (a drift-aware change set's property lines included). */
export function resourceChanges(changes: readonly Change[]): ResourceChange[] {
  return changes.flatMap((c) => {
    const r = c.ResourceChange;
    if (!r) return [];
    const revert = (r.Details ?? [])
      .map((d) => d.Target)
      .filter((t) => t?.BeforeValueFrom === 'ACTUAL_STATE' && t.Path)
      .map(
        (t) =>
          `${t?.Path}: ${shown(t?.BeforeValue)} → ${shown(t?.AfterValue)}  (${(t?.AttributeChangeType ?? 'Modify').toLowerCase()})`,
      );
    return [
      {
        action: (r.Action ?? 'Dynamic') as ResourceChange['action'],
        logicalId: r.LogicalResourceId ?? '?',
        resourceType: r.ResourceType ?? '?',
        ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
        ...(r.Replacement ? { replacement: r.Replacement } : {}),
        ...(r.Scope?.length ? { scope: r.Scope } : {}),
        ...(revert.length ? { revert } : {}),
      },
    ];
  });
}
