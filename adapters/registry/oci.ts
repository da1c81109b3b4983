import { createHash } from 'node:crypto';
import { InvalidInput, TransientFailure } from '../../core/errors';
import { DIGEST } from '../../core/artifacts';

/** Every manifest kind a tag may name: OCI and Docker, single-platform and multi-platform (index / list). */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** How long one registry request may take. */
const TIMEOUT_MS = 10_000;

export interface RegistryClientProps {
  /** Base URL of the registry (`http://127.0.0.1:5000`, `https://ghcr.io`). */
  readonly baseUrl: string;
  /** Default: global fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * Resolves `repository:tag` to the manifest's digest through the OCI distribution API: a HEAD of the manifest
 * (the registry's `Docker-Content-Digest`), falling back to a GET whose body is hashed when a registry sends no
 * digest header. Unknown repository or tag → InvalidInput naming which, with the tags there are; a registry that
 * does not answer (refused, timed out, 5xx, 429) → TransientFailure (retried).
 */
export async function resolveDigest(props: RegistryClientProps, repository: string, tag: string): Promise<string> {
  const base = props.baseUrl.replace(/\/+$/, '');
  const url = `${base}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const head = await request(props, url, 'HEAD');
  if (head.status === 404) throw await notFound(props, base, repository, tag);
  checkStatus(head, url);
  const header = head.headers.get('docker-content-digest');
  if (header && DIGEST.test(header)) return header;
  const get = await request(props, url, 'GET');
  checkStatus(get, url);
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await get.arrayBuffer()))
    .digest('hex')}`;
}

async function request(props: RegistryClientProps, url: string, method: 'HEAD' | 'GET'): Promise<Response> {
  try {
    return await (props.fetch ?? fetch)(url, {
      method,
      headers: { Accept: MANIFEST_ACCEPT },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new TransientFailure(`the registry at ${new URL(url).origin} does not answer (${cause}); trying again`);
  }
}

function checkStatus(r: Response, url: string): void {
  if (r.ok) return;
  if (r.status >= 500 || r.status === 429)
    throw new TransientFailure(`the registry answered ${r.status} for ${url}; trying again`);
  if (r.status === 401 || r.status === 403)
    throw new InvalidInput(
      `the registry refused ${url} (${r.status}): infra-agent reads registries anonymously; ` +
        `give the worker a registry it may read (config environments.<env>.artifacts.registry)`,
    );
  throw new InvalidInput(`the registry answered ${r.status} for ${url}`);
}

/** Which of the two is unknown: the repository (no tags list) or the tag (listing the tags there are). */
async function notFound(props: RegistryClientProps, base: string, repository: string, tag: string): Promise<Error> {
  const r = await request(props, `${base}/v2/${repository}/tags/list`, 'GET');
  if (r.status === 404)
    return new InvalidInput(
      `image: repository '${repository}' does not exist in the registry ${base}; check services.<name>.image ` +
        `in the config and that the image was pushed`,
    );
  checkStatus(r, `${base}/v2/${repository}/tags/list`);
  const tags = ((await r.json()) as { tags?: string[] | null }).tags ?? [];
  const shown = tags.slice(-10).join(', ');
  return new InvalidInput(
    `version: tag '${tag}' does not exist in ${repository} (registry ${base}); ` +
      (tags.length ? `its tags: ${shown}${tags.length > 10 ? ` (last 10 of ${tags.length})` : ''}` : 'it has no tags'),
  );
}
