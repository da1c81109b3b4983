import type { EnvironmentName } from './environments';

/**
 * Tags that name whatever was pushed last rather than one build: refused in environments whose policy says so
 * (config `environments.<env>.artifacts`; on by default in tst and prd).
 */
export const DEFAULT_MUTABLE_TAGS: readonly string[] = [
  'latest',
  'main',
  'master',
  'dev',
  'develop',
  'edge',
  'nightly',
  'stable',
  'head',
];

/** How an environment treats artifacts (config `environments.<env>.artifacts`). */
export interface ArtifactPolicy {
  /**
   * Base URL of the OCI registry answering for the services' repositories in this environment (the distribution
   * API, e.g. `https://ghcr.io` or the sandbox's `http://127.0.0.1:5000`). Absent: tags are not resolved.
   */
  readonly registry?: string;
  /** Tags treated as mutable (default DEFAULT_MUTABLE_TAGS). */
  readonly mutableTags: readonly string[];
  /** Refuse a rollout of a mutable tag (default: true in tst and prd, false in dev). */
  readonly refuseMutableTags: boolean;
}

/** The default policy of an environment without an `artifacts` section. */
export function defaultArtifactPolicy(env: EnvironmentName): ArtifactPolicy {
  return { mutableTags: DEFAULT_MUTABLE_TAGS, refuseMutableTags: env !== 'dev' };
}

/** Why a tag is refused in this environment, or undefined when it is allowed. */
export function mutableTagRefusal(env: EnvironmentName, tag: string, policy: ArtifactPolicy): string | undefined {
  if (!policy.refuseMutableTags || !policy.mutableTags.includes(tag)) return undefined;
  return (
    `version: '${tag}' is a mutable tag (it names whatever was pushed last), and ${env} only takes immutable ` +
    `versions; roll out a release tag such as 1.4.2 (the registry's tags: \`crane ls <repository>\`)` +
    (env === 'dev' ? '' : `, or try '${tag}' in dev`)
  );
}

/** `sha256:` followed by 64 hex digits: what an OCI digest looks like. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The repository path inside its registry: `ghcr.io/example/payments-api` → `example/payments-api` (the first
 * component is a host when it has a dot or a port, or is localhost, as Docker decides).
 */
export function repositoryPath(image: string): string {
  const [first, ...rest] = image.split('/');
  if (rest.length > 0 && first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return rest.join('/');
  return image;
}

/** What a tag resolved to: the digest that is approved, audited and deployed (`<image>@<digest>`). */
export interface ResolvedArtifact {
  readonly tag: string;
  readonly digest: string;
  /** The image reference deployed: `<service image>@<digest>`. */
  readonly reference: string;
  /** The registry asked. */
  readonly registry: string;
}

/** The answer of `resolveArtifact`: resolved, refused by policy, or not resolved (no registry for the environment). */
export type ArtifactResolution =
  | { readonly kind: 'resolved'; readonly artifact: ResolvedArtifact }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'unresolved'; readonly reason: string };

/** Input of `resolveArtifact`. */
export interface ResolveArtifactInput {
  readonly environment: EnvironmentName;
  readonly service: string;
  /** The service's image repository (config `services.<name>.image`). */
  readonly image: string;
  readonly tag: string;
}
