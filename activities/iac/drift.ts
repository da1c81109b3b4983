import type { CloudFormationClient, Stack, StackResourceDrift } from '@aws-sdk/client-cloudformation';
import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { Context, sleep } from '@temporalio/activity';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { RawStackDrift, ResourceDriftStatus } from '../../core/drift/report';
import { InvalidInput, OperationConflict } from '../../core/errors';

export interface DriftDeps {
  readonly aws: AwsClientFactory;
}

export interface DetectStackDriftInput {
  readonly region: string;
  readonly stackName: string;
  /** The catalog name and environment, for messages that say what to do (`deploy stack vpc to dev`). */
  readonly stack: string;
  readonly environment: string;
  readonly pollMs?: number;
}

const NOT_FOUND = /does not exist/i;
const isNotFound = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ValidationError' && NOT_FOUND.test(e.message);

/**
 * CloudFormation's drift check of one stack: DetectStackDrift, then DescribeStackDriftDetectionStatus until the
 * detection completes (heartbeating: detection takes minutes on big stacks), then DescribeStackResourceDrifts.
 * Read-only, so a retry simply detects again. Resources CloudFormation does not list (types without drift
 * support) come back NOT_CHECKED with that reason, so "not checked" never comes without one.
 */
export function createDriftActivities(deps: DriftDeps) {
  const cfn = (region: string): CloudFormationClient => deps.aws.cloudFormation({ region });

  async function settledStack(client: CloudFormationClient, input: DetectStackDriftInput): Promise<Stack> {
    let stack: Stack | undefined;
    try {
      stack = (await client.send(new DescribeStacksCommand({ StackName: input.stackName }))).Stacks?.[0];
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const deploy = `deploy it with \`deploy stack ${input.stack} to ${input.environment}\``;
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
      const deleted = await lastDeletion(client, input.stackName);
      throw new InvalidInput(
        deleted
          ? `stack: ${input.stack} (${input.stackName}) was deleted${deleted.at ? ` at ${deleted.at}` : ''}; there is nothing to check for drift — ${deploy}`
          : `stack: ${input.stack} has never been deployed in ${input.environment} (no stack ${input.stackName}); ${deploy}`,
      );
    }
    const status = stack.StackStatus ?? 'UNKNOWN';
    if (status.endsWith('_IN_PROGRESS'))
      throw new OperationConflict(
        `${input.stackName} is ${status}: a change is running on it; drift is checked against a settled stack — try again when it finishes`,
      );
    if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED')
      throw new InvalidInput(
        `stack: ${input.stackName} is ${status} (its first deploy failed, nothing of it is deployed); ${deploy}`,
      );
    return stack;
  }

  /** The stack's last deletion: found (with its time when CloudFormation gives one), or undefined if never deleted. */
  async function lastDeletion(client: CloudFormationClient, stackName: string): Promise<{ at?: string } | undefined> {
    let token: string | undefined;
    let found: { at?: string } | undefined;
    do {
      const page = await client.send(
        new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'], NextToken: token }),
      );
      for (const s of page.StackSummaries ?? []) {
        if (s.StackName !== stackName) continue;
        const at = s.DeletionTime?.toISOString();
        if (!found || (at && (!found.at || at > found.at))) found = at ? { at } : {};
      }
      token = page.NextToken;
    } while (token);
    return found;
  }

  async function resourceDrifts(client: CloudFormationClient, stackName: string): Promise<StackResourceDrift[]> {
    const all: StackResourceDrift[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new DescribeStackResourceDriftsCommand({ StackName: stackName, NextToken: token }),
      );
      all.push(...(page.StackResourceDrifts ?? []));
      token = page.NextToken;
    } while (token);
    return all;
  }

  return {
    async detectStackDrift(input: DetectStackDriftInput): Promise<RawStackDrift> {
      const started = Date.now();
      const client = cfn(input.region);
      const stack = await settledStack(client, input);
      const detectionId = (await client.send(new DetectStackDriftCommand({ StackName: input.stackName })))
        .StackDriftDetectionId;
      if (!detectionId) throw new Error(`DetectStackDrift on ${input.stackName} returned no detection id`);
      const pollMs = input.pollMs ?? 1000;
      for (;;) {
        const status = await client.send(
          new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId }),
        );
        Context.current().heartbeat({ detectionId, status: status.DetectionStatus });
        if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') {
          const [drifts, listed] = await Promise.all([
            resourceDrifts(client, input.stackName),
            client.send(new DescribeStackResourcesCommand({ StackName: input.stackName })),
          ]);
          const raw = toRaw(input.stackName, stack, detectionId, status, drifts, listed.StackResources ?? []);
          return { ...raw, elapsedMs: Date.now() - started };
        }
        await sleep(pollMs); // rejects when the activity is cancelled
      }
    },
  };
}

function toRaw(
  stackName: string,
  stack: Stack,
  detectionId: string,
  status: { StackDriftStatus?: string; DetectionStatus?: string; DetectionStatusReason?: string; Timestamp?: Date },
  drifts: readonly StackResourceDrift[],
  listed: readonly { LogicalResourceId?: string; PhysicalResourceId?: string; ResourceType?: string }[],
): RawStackDrift {
  const seen = new Set(drifts.map((d) => d.LogicalResourceId));
  const resources: RawStackDrift['resources'][number][] = drifts.map((d) => {
    const st = (d.StackResourceDriftStatus ?? 'NOT_CHECKED') as ResourceDriftStatus;
    return {
      logicalId: d.LogicalResourceId ?? '?',
      ...(d.PhysicalResourceId ? { physicalId: d.PhysicalResourceId } : {}),
      resourceType: d.ResourceType ?? '?',
      status: st,
      differences: (d.PropertyDifferences ?? []).map((p) => ({
        path: p.PropertyPath ?? '',
        type: p.DifferenceType ?? 'NOT_EQUAL',
        expected: p.ExpectedValue ?? 'null',
        actual: p.ActualValue ?? 'null',
      })),
      ...(st === 'NOT_CHECKED'
        ? { reason: status.DetectionStatusReason ?? 'CloudFormation did not check this resource' }
        : {}),
    };
  });
  // DescribeStackResourceDrifts leaves out resources of types without drift support: name them all the same.
  for (const r of listed) {
    if (!r.LogicalResourceId || seen.has(r.LogicalResourceId)) continue;
    resources.push({
      logicalId: r.LogicalResourceId,
      ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
      resourceType: r.ResourceType ?? '?',
      status: 'NOT_CHECKED',
      differences: [],
      reason: `CloudFormation does not support drift detection for ${r.ResourceType ?? 'this type'}`,
    });
  }
  return {
    stackName,
    stackId: stack.StackId ?? stackName,
    stackStatus: stack.StackStatus ?? 'UNKNOWN',
    detectionId,
    driftStatus: status.StackDriftStatus ?? 'UNKNOWN',
    detectionStatus: status.DetectionStatus ?? 'UNKNOWN',
    ...(status.DetectionStatusReason ? { detectionReason: status.DetectionStatusReason } : {}),
    checkedAt: (status.Timestamp ?? new Date()).toISOString(),
    resources,
  };
}
