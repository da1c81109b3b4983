import { InvalidInput } from '../errors';

/** An image reference split into its parts: `ghcr.io/example/payments-api:1.4.2` or `...@sha256:<64 hex>`. */
export interface ImageRef {
  /** Registry host (with port), e.g. `ghcr.io`; `docker.io` when the ref names none. */
  readonly registry: string;
  /** Repository path below the registry, e.g. `example/payments-api`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** The ref as given. */
  readonly ref: string;
}

// The distribution reference grammar (github.com/distribution/reference), narrowed to what a scan needs.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::\\d{1,5})?';
export const IMAGE_REF = new RegExp(
  `^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/**
 * Parses an image ref, or InvalidInput saying what is wrong. A tag or digest is required: `latest` is not a version
 * a gate can vouch for.
 */
export function parseImageRef(raw: string): ImageRef {
  const ref = raw.trim();
  const example = 'e.g. ghcr.io/example/payments-api:1.4.2';
  if (ref.length === 0 || ref.length > 255)
    throw new InvalidInput(`image: a ref of 1 to 255 characters is needed, ${example}`);
  const m = IMAGE_REF.exec(ref);
  if (!m) {
    throw new InvalidInput(
      `image: '${ref.slice(0, 80)}' is not an image ref (registry/repository:tag, lower-case repository, no spaces), ${example}`,
    );
  }
  const [, , , tag, digest] = m;
  let [, domain, path] = m;
  // `library/alpine:3` has no registry: its first component is a path, unless it looks like a host.
  if (domain && !/[.:]/.test(domain) && domain !== 'localhost') {
    path = `${domain}/${path ?? ''}`;
    domain = undefined;
  }
  if (!tag && !digest)
    throw new InvalidInput(`image: '${ref}' has no tag or digest; say which version to scan, ${example}`);
  return {
    registry: domain ?? 'docker.io',
    repository: path ?? '',
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    ref,
  };
}

/** The grammar's check: what is wrong with `raw` as an image ref (without the `image:` prefix), or undefined. */
export function imageRefProblem(raw: string): string | undefined {
  try {
    parseImageRef(raw);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^image: /, '');
  }
}
