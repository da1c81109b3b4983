import { resolveDigest } from '../../adapters/registry/oci';
import type { ArtifactPolicy, ArtifactResolution, ResolveArtifactInput } from '../../core/artifacts';
import { defaultArtifactPolicy, mutableTagRefusal, repositoryPath } from '../../core/artifacts';
import { InvalidInput } from '../../core/errors';

/** What resolving an artifact needs: each environment's artifact policy (the worker's config). */
export interface ArtifactDeps {
  readonly environments: Readonly<Record<string, { readonly artifacts?: ArtifactPolicy }>>;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * Resolves a rollout's tag to the digest it names now, under the worker's artifact policy for the environment (so
 * a client's config can neither allow a mutable tag nor skip the registry). A mutable tag where the policy refuses
 * it, an unknown repository or an unknown tag is `refused` with the reason; no registry for the environment is
 * `unresolved` (the tag is deployed as it is, and the preview says so). Reads only: safe to retry.
 */
export async function resolveArtifact(deps: ArtifactDeps, input: ResolveArtifactInput): Promise<ArtifactResolution> {
  const env = input.environment;
  const policy = deps.environments[env]?.artifacts ?? defaultArtifactPolicy(env);
  const refusal = mutableTagRefusal(env, input.tag, policy);
  if (refusal) return { kind: 'refused', reason: refusal };
  if (!policy.registry)
    return {
      kind: 'unresolved',
      reason: `no registry configured for ${env} (environments.${env}.artifacts.registry): the tag was not pinned to a digest`,
    };
  try {
    const digest = await resolveDigest(
      { baseUrl: policy.registry, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
      repositoryPath(input.image),
      input.tag,
    );
    return {
      kind: 'resolved',
      artifact: { tag: input.tag, digest, reference: `${input.image}@${digest}`, registry: policy.registry },
    };
  } catch (e) {
    if (e instanceof InvalidInput) return { kind: 'refused', reason: e.message };
    throw e;
  }
}

export function createArtifactActivities(deps: ArtifactDeps) {
  return {
    resolveArtifact: (input: ResolveArtifactInput) => resolveArtifact(deps, input),
  };
}
