import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AccessGrant } from '../../core/access';
import { sessionSeconds } from '../../core/access';
import { PermissionDenied } from '../../core/errors';
import type { AwsClientFactory } from './clients';

/** Credentials for an approved operation, plus who they are (for the audit trail; no secrets). */
export interface GrantedCredentials {
  readonly credentials: AwsCredentialIdentity;
  readonly assumedRoleArn: string;
}

/** Issues just-in-time credentials for approved operations. */
export interface CredentialBroker {
  credentialsFor(grant: AccessGrant, region: string): Promise<GrantedCredentials>;
}

const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * STS AssumeRole into the grant's role as the approver, tagged with the approval and operation ids, for at
 * most an hour and never past the grant. Sessions are cached and renewed shortly before they expire, so a
 * long stack update re-assumes inside the approval's window — and fails closed once the window is over.
 */
export function createCredentialBroker(aws: AwsClientFactory, now: () => number = Date.now): CredentialBroker {
  const cache = new Map<string, GrantedCredentials>();
  return {
    async credentialsFor(grant, region) {
      const key = `${grant.roleArn}|${grant.sourceIdentity}|${grant.approvalId}|${region}`;
      const cached = cache.get(key);
      const exp = cached?.credentials.expiration?.getTime() ?? 0;
      if (cached && exp - now() > RENEW_BEFORE_MS) return cached;
      const seconds = sessionSeconds(grant, now());
      if (seconds === undefined) {
        throw new PermissionDenied(`the approval's access window ended at ${grant.notAfter}; a new approval is needed`);
      }
      const sts = aws.sts({ region });
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: grant.roleArn,
            RoleSessionName: `infra-agent-${grant.sourceIdentity}`.slice(0, 64),
            SourceIdentity: grant.sourceIdentity,
            DurationSeconds: seconds,
            Tags: [
              { Key: 'approval-id', Value: grant.approvalId },
              { Key: 'operation-id', Value: grant.operationId },
            ],
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`AssumeRole into ${grant.roleArn} returned no credentials`);
        const granted: GrantedCredentials = {
          credentials: {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
            ...(c.Expiration ? { expiration: c.Expiration } : {}),
          },
          assumedRoleArn: out.AssumedRoleUser?.Arn ?? grant.roleArn,
        };
        cache.set(key, granted);
        return granted;
      } finally {
        sts.destroy();
      }
    },
  };
}
