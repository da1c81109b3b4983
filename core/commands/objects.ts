/** What `describe` may show: a pod, Deployment or Service, written `kind/name` as kubectl prints them. */
export const DESCRIBE_KINDS = { pod: 'pods', deployment: 'deployments', service: 'services' } as const;
export type DescribeKind = keyof typeof DESCRIBE_KINDS;

/** `pod/<name>`, `deployment/<name>` or `service/<name>`; the name a DNS-1123 subdomain of at most 253. */
export const OBJECT_REF =
  /^(pod|deployment|service)\/(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** An example for error messages and help. */
export const OBJECT_EXAMPLE = 'pod/payments-api-blue-7d9c6b5f4-x2x7q';

/** The kind and name of a checked `kind/name`. */
export function objectRef(ref: string): { kind: DescribeKind; name: string } {
  const slash = ref.indexOf('/');
  return { kind: ref.slice(0, slash) as DescribeKind, name: ref.slice(slash + 1) };
}

/**
 * Whether an object is one of the service's: its Deployments and pods are `<service>-<colour>…`, its stable
 * Service is `<service>` and the colours' Services `<service>-<colour>`. Whatever else shares the namespace is not.
 */
export const belongsToService = (name: string, service: string): boolean =>
  name === service || name.startsWith(`${service}-`);

/** An object of `service` of the kind someone tried, for "e.g." in errors. */
export function serviceObjectExample(kind: DescribeKind, service: string): string {
  if (kind === 'service') return `service/${service}`;
  return kind === 'deployment' ? `deployment/${service}-blue` : `pod/${service}-blue-… (as \`pods\` lists them)`;
}
