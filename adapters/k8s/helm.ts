import { parseAllDocuments } from 'yaml';
import type { K8sOptions } from '../../core/k8s/flags';
import type { ManifestObject } from '../../core/k8s/manifest-diff';
import type { RunCommand, RunCommandResult } from '../cli/run-command';
import { toolFailure } from './errors';
import type { ResolvedChart } from './helm-argv';
import {
  helmGetManifestArgv,
  helmHistoryArgv,
  helmInstallArgv,
  helmListMarkedArgv,
  helmRollbackArgv,
  helmTemplateArgv,
  helmUninstallArgv,
  helmUpgradeArgv,
} from './helm-argv';
import type { KubeTarget } from './target';

/** How to run helm. */
export interface HelmProps {
  readonly run: RunCommand;
  /** Path of helm (config `tools.helm`). */
  readonly bin: string;
  /** Reads; default 60000. Writes get the request's `--timeout` plus a minute. */
  readonly timeoutMs?: number;
}

/** One revision of a release, as `helm history -o json` reports it. */
export interface HelmRevision {
  readonly revision: number;
  readonly updated: string;
  readonly status: string;
  readonly chart: string;
  readonly app_version?: string;
  readonly description: string;
}

const NOT_FOUND = /release: not found|has no deployed releases/i;

async function helm(
  props: HelmProps,
  args: string[],
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<RunCommandResult> {
  return props.run({
    file: props.bin,
    args,
    timeoutMs: timeoutMs ?? props.timeoutMs ?? 60_000,
    ...(signal ? { signal } : {}),
  });
}

/** The release's revisions, oldest first; undefined when there is no such release. */
export async function helmHistory(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
): Promise<HelmRevision[] | undefined> {
  const r = await helm(props, helmHistoryArgv(t, namespace, release));
  if (r.exitCode !== 0 && NOT_FOUND.test(r.stderr)) return undefined;
  if (r.exitCode !== 0) throw toolFailure('helm', 'history', r);
  return JSON.parse(r.stdout) as HelmRevision[];
}

/** Kubernetes objects of a multi-document YAML stream, skipping empty documents. */
export function parseManifests(text: string): ManifestObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is ManifestObject => typeof o === 'object' && o !== null && !Array.isArray(o));
}

/** What the release's latest revision holds, or `revision`'s. */
export async function helmGetManifest(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
  revision?: number,
) {
  const r = await helm(props, helmGetManifestArgv(t, namespace, release, revision));
  if (r.exitCode !== 0) throw toolFailure('helm', 'get manifest', r);
  return parseManifests(r.stdout);
}

/** What the chart renders with the given values. */
export async function helmTemplate(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
  c: ResolvedChart,
) {
  const r = await helm(props, helmTemplateArgv(t, namespace, release, c));
  if (r.exitCode !== 0) throw toolFailure('helm', 'template', r);
  return parseManifests(r.stdout);
}

const writeTimeout = (o: K8sOptions): number => ((o.timeoutSeconds ?? 300) + 60) * 1000;

/** True when the release's latest revision was written by the install or upgrade with this idempotency key. */
export async function helmLatestIsMarked(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
  key: string,
): Promise<boolean> {
  const r = await helm(props, helmListMarkedArgv(t, namespace, release, key));
  if (r.exitCode !== 0) throw toolFailure('helm', 'list', r);
  return (JSON.parse(r.stdout) as unknown[]).length > 0;
}

/** Uninstalls the release (its history too). */
export async function helmUninstall(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
  o: K8sOptions,
  signal?: AbortSignal,
): Promise<void> {
  const r = await helm(props, helmUninstallArgv(t, namespace, release, o), writeTimeout(o), signal);
  if (r.exitCode !== 0) throw toolFailure('helm', 'uninstall', r);
}

/** Installs or upgrades; returns the new revision and its status. */
export async function helmInstallOrUpgrade(
  props: HelmProps,
  t: KubeTarget,
  op: 'install' | 'upgrade',
  namespace: string,
  release: string,
  c: ResolvedChart,
  o: K8sOptions,
  key: string,
  signal?: AbortSignal,
): Promise<{ revision: number; status: string }> {
  const argv =
    op === 'install'
      ? helmInstallArgv(t, namespace, release, c, o, key)
      : helmUpgradeArgv(t, namespace, release, c, o, key);
  const r = await helm(props, argv, writeTimeout(o), signal);
  if (r.exitCode !== 0) throw toolFailure('helm', op, r);
  const out = JSON.parse(r.stdout) as { version?: number; info?: { status?: string } };
  return { revision: out.version ?? 0, status: out.info?.status ?? 'unknown' };
}

/** Rolls back to `revision`. */
export async function helmRollback(
  props: HelmProps,
  t: KubeTarget,
  namespace: string,
  release: string,
  revision: number,
  o: K8sOptions,
  signal?: AbortSignal,
): Promise<void> {
  const r = await helm(props, helmRollbackArgv(t, namespace, release, revision, o), writeTimeout(o), signal);
  if (r.exitCode !== 0) throw toolFailure('helm', 'rollback', r);
}
