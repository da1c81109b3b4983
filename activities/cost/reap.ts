import type { Tag } from '@aws-sdk/client-ec2';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeAddressesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { ReapKind } from '../../core/cost/idle';
import { KEEP_UNTIL_TAG, REAPED_FROM_TAG, reapKindOf, reapRefusal } from '../../core/cost/idle';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput, PermissionDenied } from '../../core/errors';
import { ENVIRONMENT_TAG } from './cost-report';

export interface ReapDeps {
  readonly aws: AwsClientFactory;
}

/** One resource the reaper acts on, in one environment's region. */
export interface ReapTargetInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly resourceId: string;
}

/** What the reaper found before its notice: the resource as it is now. */
export interface ReapTarget {
  readonly kind: ReapKind;
  readonly resourceId: string;
  readonly description: string;
  readonly keepUntil?: string;
  /** Attached volume, associated address: in use, so not idle (refused). */
  readonly inUse?: string;
}

const tagOf = (tags: readonly Tag[] | undefined, key: string): string | undefined =>
  tags?.find((t) => t.Key === key)?.Value;

/** EC2's "not there (any more)" errors: a retried delete of something already gone is success. */
const GONE = new Set([
  'InvalidVolume.NotFound',
  'InvalidSnapshot.NotFound',
  'InvalidAllocationID.NotFound',
  'InvalidAddress.NotFound',
]);
const isGone = (e: unknown): boolean => e instanceof Error && GONE.has(e.name);

/**
 * The reaper's side effects. Every one refuses an environment other than dev (the rule is in code, not config:
 * `reapRefusal`), and every one may run twice: a snapshot is found again by its tags, a delete of what is gone
 * returns `alreadyGone`, a tag is set to the same value.
 */
export function createReapActivities(deps: ReapDeps) {
  const ec2 = (region: string) => deps.aws.ec2({ region });
  const devOnly = (environment: EnvironmentName): void => {
    const refusal = reapRefusal(environment);
    if (refusal) throw new PermissionDenied(refusal);
  };
  /** The resource's tags and state, or InvalidInput when it does not exist. */
  async function describe(input: ReapTargetInput) {
    const kind = reapKindOf(input.resourceId);
    if (!kind) throw new InvalidInput(`resource: '${input.resourceId}' is not a volume, Elastic IP or snapshot id`);
    const where = `in ${input.environment} (${input.region})`;
    try {
      if (kind === 'volume') {
        const v = (await ec2(input.region).send(new DescribeVolumesCommand({ VolumeIds: [input.resourceId] })))
          .Volumes?.[0];
        if (v)
          return {
            kind,
            tags: v.Tags,
            description: `${v.Size ?? '?'} GiB ${v.VolumeType ?? ''} volume`,
            ...(v.State !== 'available' ? { inUse: `it is ${v.State ?? 'in use'}` } : {}),
          };
      } else if (kind === 'snapshot') {
        const s = (await ec2(input.region).send(new DescribeSnapshotsCommand({ SnapshotIds: [input.resourceId] })))
          .Snapshots?.[0];
        if (s)
          return { kind, tags: s.Tags, description: `snapshot of ${s.VolumeId ?? '?'} (${s.VolumeSize ?? '?'} GiB)` };
      } else {
        const a = (await ec2(input.region).send(new DescribeAddressesCommand({ AllocationIds: [input.resourceId] })))
          .Addresses?.[0];
        if (a)
          return {
            kind,
            tags: a.Tags,
            description: `Elastic IP ${a.PublicIp ?? ''}`,
            ...(a.AssociationId ? { inUse: `it is associated (${a.AssociationId})` } : {}),
          };
      }
    } catch (e) {
      if (!isGone(e)) throw e;
    }
    throw new InvalidInput(
      `resource: ${input.resourceId} does not exist ${where}; \`idle ${input.environment}\` lists what can be reaped`,
    );
  }

  return {
    /** Before the notice: the resource exists, belongs to this environment, is idle, and is not kept. */
    async inspectReapTarget(input: ReapTargetInput): Promise<ReapTarget> {
      devOnly(input.environment);
      const d = await describe(input);
      const env = tagOf(d.tags, ENVIRONMENT_TAG);
      if (env !== input.environment)
        throw new PermissionDenied(
          `${input.resourceId} is ${env ? `tagged ${ENVIRONMENT_TAG}=${env}` : `not tagged ${ENVIRONMENT_TAG}`}, not ${input.environment}: the reaper only touches ${input.environment}'s own resources`,
        );
      if ('inUse' in d && d.inUse) throw new InvalidInput(`resource: ${input.resourceId} is not idle: ${d.inUse}`);
      const keepUntil = tagOf(d.tags, KEEP_UNTIL_TAG);
      return {
        kind: d.kind,
        resourceId: input.resourceId,
        description: d.description,
        ...(keepUntil ? { keepUntil } : {}),
      };
    },

    /** A volume's safety snapshot, made once: a retry finds the one its predecessor made by the reaped-from tag. */
    async snapshotBeforeReap(
      input: ReapTargetInput & { readonly operationId: string },
    ): Promise<{ snapshotId: string }> {
      devOnly(input.environment);
      const existing = await ec2(input.region).send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${REAPED_FROM_TAG}`, Values: [input.resourceId] }],
        }),
      );
      const found = existing.Snapshots?.find((s) => s.SnapshotId);
      if (found?.SnapshotId) return { snapshotId: found.SnapshotId };
      const s = await ec2(input.region).send(
        new CreateSnapshotCommand({
          VolumeId: input.resourceId,
          Description: `infra-agent reaper: ${input.resourceId} before deletion (${input.operationId})`,
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: [
                { Key: ENVIRONMENT_TAG, Value: input.environment },
                { Key: REAPED_FROM_TAG, Value: input.resourceId },
              ],
            },
          ],
        }),
      );
      if (!s.SnapshotId) throw new Error(`CreateSnapshot of ${input.resourceId} returned no snapshot id`);
      return { snapshotId: s.SnapshotId };
    },

    /** Deletes (releases) the resource; one already gone is success (`alreadyGone`). */
    async reapResource(input: ReapTargetInput): Promise<{ alreadyGone: boolean }> {
      devOnly(input.environment);
      const kind = reapKindOf(input.resourceId);
      try {
        if (kind === 'volume') await ec2(input.region).send(new DeleteVolumeCommand({ VolumeId: input.resourceId }));
        else if (kind === 'snapshot')
          await ec2(input.region).send(new DeleteSnapshotCommand({ SnapshotId: input.resourceId }));
        else await ec2(input.region).send(new ReleaseAddressCommand({ AllocationId: input.resourceId }));
        return { alreadyGone: false };
      } catch (e) {
        if (isGone(e)) return { alreadyGone: true };
        throw e;
      }
    },

    /** Keep: tags the resource keep-until (the same value again on a retry). */
    async tagKeepUntil(input: ReapTargetInput & { readonly until: string }): Promise<void> {
      await ec2(input.region).send(
        new CreateTagsCommand({ Resources: [input.resourceId], Tags: [{ Key: KEEP_UNTIL_TAG, Value: input.until }] }),
      );
    },
  };
}
