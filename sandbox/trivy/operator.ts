/**
 * The sandbox's stand-in for Trivy Operator (docs/security.md, "Reports from the cluster"). The operator cannot run
 * here: it scans in Jobs and kwok runs no containers. So this writes, for each running workload of the sandbox
 * cluster, the reports the operator would write, from real scans: a VulnerabilityReport per container from
 * `trivy image` over the image's tarball (the bootstrap's OCI archives, the offline DB), and a ConfigAuditReport per
 * ReplicaSet from `trivy config` over the ReplicaSet's own manifest — in the operator's shape (names, labels, owner
 * references, `report.*` fields). In a real cluster the operator writes them and this file has no part.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { REPORT_LABELS, TRIVY_OPERATOR_GROUP, TRIVY_OPERATOR_VERSION } from '../../core/security/cluster-reports';
import { parseImageRef } from '../../core/security/image-ref';
import { resolveDigest } from '../../adapters/registry/oci';
import { TRIVY_COMMON_ARGS } from '../../adapters/cli/trivy';
import { SandboxKubeClient } from '../kube/rest';
import type { KubeSettings } from '../kube/settings';

const exec = promisify(execFile);

export interface OperatorStandInOptions {
  readonly kube: KubeSettings;
  readonly trivyBin: string;
  /** trivy's cache folder holding the offline DB (`<cacheDir>/db/trivy.db`). */
  readonly cacheDir: string;
  /** The image tarballs: `<archiveDir>/<registry>/<repository>/<tag>.tar`. */
  readonly archiveDir: string;
  /**
   * The sandbox registry (`http://127.0.0.1:<port>`) rollouts pin tags against: a workload running
   * `<image>@sha256:…` is scanned from the archive of the tag that digest names there. Absent: such images are skipped.
   */
  readonly registry?: string;
  /** Namespaces to leave alone (default: the cluster's own). */
  readonly skipNamespaces?: readonly string[];
  readonly now?: () => Date;
}

/** What one pass did: reports written (`<namespace>/<name>`), up to date, and workloads it could not scan, and why. */
export interface OperatorPass {
  readonly written: string[];
  readonly unchanged: string[];
  readonly skipped: { readonly resource: string; readonly reason: string }[];
}

interface ReplicaSetJson {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly labels?: Record<string, string>;
  };
  readonly spec?: {
    readonly replicas?: number;
    readonly selector?: unknown;
    readonly template?: { metadata?: unknown; spec?: { containers?: { name: string; image?: string }[] } };
  };
}

const SPEC_HASH = 'resource-spec-hash';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const WRITER = 'infra-agent-sandbox';
const SEVERITY_COUNT: Readonly<Record<string, string>> = {
  CRITICAL: 'criticalCount',
  HIGH: 'highCount',
  MEDIUM: 'mediumCount',
  LOW: 'lowCount',
  UNKNOWN: 'unknownCount',
};

const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 10);

/**
 * One pass over the cluster, as the operator's reconcilers would make it: every ReplicaSet with replicas (the
 * current revisions) gets its reports; a report whose inputs did not change (same image and DB, same pod template
 * and trivy) is left as it is. Reports are owned by their ReplicaSet, so the garbage collector removes them with it.
 */
export async function writeTrivyReports(o: OperatorStandInOptions): Promise<OperatorPass> {
  const client = new SandboxKubeClient(o.kube);
  const skip = new Set(o.skipNamespaces ?? ['kube-system', 'kube-public', 'kube-node-lease']);
  const list = await client.get<{ items: ReplicaSetJson[] }>('/apis/apps/v1/replicasets');
  const pass: OperatorPass = { written: [], unchanged: [], skipped: [] };
  const dbStamp = dbUpdatedAt(o.cacheDir);
  const version = await trivyVersion(o.trivyBin);
  for (const rs of list?.items ?? []) {
    const { name, namespace } = rs.metadata;
    if (skip.has(namespace) || (rs.spec?.replicas ?? 0) === 0) continue;
    for (const c of rs.spec?.template?.spec?.containers ?? []) {
      const image = c.image ?? '';
      const reportName = `replicaset-${name}-${c.name}`;
      const specHash = hash(`${image}|${dbStamp}|${version}`);
      const path = reportPath(namespace, 'vulnerabilityreports', reportName);
      if ((await existingHash(client, path)) === specHash) {
        pass.unchanged.push(`${namespace}/${reportName}`);
        continue;
      }
      const archive = await archiveOf(o.archiveDir, image, o.registry);
      if ('reason' in archive) {
        pass.skipped.push({ resource: `${namespace}/ReplicaSet/${name}/${c.name}`, reason: archive.reason });
        continue;
      }
      const scan = await trivyJson<TrivyImageJson>(o.trivyBin, [
        'image',
        ...TRIVY_COMMON_ARGS,
        '--scanners',
        'vuln',
        '--cache-dir',
        o.cacheDir,
        '--skip-db-update',
        '--skip-java-db-update',
        '--offline-scan',
        '--input',
        archive.path,
      ]);
      const report = vulnerabilityReport(image, scan, version, (o.now ?? (() => new Date()))(), archive.tag);
      await client.apply(path, withMeta(report, rs, reportName, specHash, c.name));
      pass.written.push(`${namespace}/${reportName}`);
    }
    await configAudit(client, o, rs, version, pass);
  }
  return pass;
}

async function configAudit(
  client: SandboxKubeClient,
  o: OperatorStandInOptions,
  rs: ReplicaSetJson,
  version: string,
  pass: OperatorPass,
): Promise<void> {
  const { name, namespace } = rs.metadata;
  const reportName = `replicaset-${name}`;
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace, ...(rs.metadata.labels ? { labels: rs.metadata.labels } : {}) },
    spec: rs.spec ?? {},
  };
  const specHash = hash(`${JSON.stringify(manifest.spec)}|${version}`);
  const path = reportPath(namespace, 'configauditreports', reportName);
  if ((await existingHash(client, path)) === specHash) {
    pass.unchanged.push(`${namespace}/${reportName}`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'infra-agent-config-audit-'));
  try {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, stringify(manifest));
    const out = await trivyJson<TrivyConfigJson>(o.trivyBin, [
      'config',
      ...TRIVY_COMMON_ARGS,
      '--skip-check-update',
      '--include-non-failures',
      '--cache-dir',
      o.cacheDir,
      file,
    ]);
    const report = configAuditReport(out, version, (o.now ?? (() => new Date()))());
    await client.apply(path, withMeta(report, rs, reportName, specHash));
    pass.written.push(`${namespace}/${reportName}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface TrivyVuln {
  readonly VulnerabilityID: string;
  readonly PkgName?: string;
  readonly InstalledVersion?: string;
  readonly FixedVersion?: string;
  readonly Severity?: string;
  readonly Title?: string;
  readonly PrimaryURL?: string;
  readonly CVSS?: Record<string, { V3Score?: number }>;
  readonly SeveritySource?: string;
  readonly PkgPath?: string;
}
interface TrivyImageJson {
  readonly Metadata?: { readonly ImageID?: string; readonly OS?: { Family?: string; Name?: string; EOSL?: boolean } };
  readonly Results?: readonly { Target?: string; Class?: string; Type?: string; Vulnerabilities?: TrivyVuln[] }[];
}
interface TrivyConfigJson {
  readonly Results?: readonly {
    Misconfigurations?: {
      ID: string;
      Type?: string;
      Title?: string;
      Description?: string;
      Message?: string;
      Resolution?: string;
      Severity?: string;
      Status?: string;
    }[];
  }[];
}

/** The operator's VulnerabilityReport body for one container's image (its `report` and the object's kind). */
export function vulnerabilityReport(
  image: string,
  scan: TrivyImageJson,
  version: string,
  now: Date,
  tag?: string,
): Record<string, unknown> {
  const ref = parseImageRef(image);
  // As the operator: the digest the workload pins (the pod's image id); else trivy's image id of the tarball.
  const digest = ref.digest ?? scan.Metadata?.ImageID;
  const vulns = (scan.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => ({
      vulnerabilityID: v.VulnerabilityID,
      resource: v.PkgName ?? '',
      installedVersion: v.InstalledVersion ?? '',
      fixedVersion: v.FixedVersion ?? '',
      severity: (v.Severity ?? 'UNKNOWN').toUpperCase(),
      title: v.Title ?? '',
      primaryLink: v.PrimaryURL ?? '',
      links: [],
      ...(scoreOf(v) !== undefined ? { score: scoreOf(v) } : {}),
      target: r.Target ?? '',
      class: r.Class ?? '',
      packageType: r.Type ?? '',
      ...(v.PkgPath ? { pkgPath: v.PkgPath } : {}),
    })),
  );
  const summary: Record<string, number> = {
    criticalCount: 0,
    highCount: 0,
    mediumCount: 0,
    lowCount: 0,
    unknownCount: 0,
    noneCount: 0,
  };
  for (const v of vulns) summary[SEVERITY_COUNT[v.severity] ?? 'unknownCount']! += 1;
  const os = scan.Metadata?.OS;
  return {
    apiVersion: `${TRIVY_OPERATOR_GROUP}/${TRIVY_OPERATOR_VERSION}`,
    kind: 'VulnerabilityReport',
    report: {
      updateTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version },
      registry: { server: ref.registry === 'docker.io' ? 'index.docker.io' : ref.registry },
      artifact: {
        repository: ref.repository,
        ...((ref.tag ?? tag) ? { tag: ref.tag ?? tag } : {}),
        ...(digest ? { digest } : {}),
      },
      ...(os ? { os: { family: os.Family ?? '', name: os.Name ?? '', eosl: os.EOSL ?? false } } : {}),
      summary,
      vulnerabilities: vulns,
    },
  };
}

/** The CVSS v3 score the operator reports: NVD's, else the severity source's. */
function scoreOf(v: TrivyVuln): number | undefined {
  return v.CVSS?.nvd?.V3Score ?? (v.SeveritySource ? v.CVSS?.[v.SeveritySource]?.V3Score : undefined);
}

/** The operator's ConfigAuditReport body from `trivy config` over the workload's manifest. */
export function configAuditReport(out: TrivyConfigJson, version: string, now: Date): Record<string, unknown> {
  const checks = (out.Results ?? []).flatMap((r) =>
    (r.Misconfigurations ?? []).map((m) => ({
      checkID: m.ID,
      title: m.Title ?? '',
      description: m.Description ?? '',
      severity: (m.Severity ?? 'UNKNOWN').toUpperCase(),
      category: m.Type ?? 'Kubernetes Security Check',
      success: m.Status !== 'FAIL',
      messages: m.Status === 'FAIL' && m.Message ? [m.Message] : [],
      ...(m.Resolution ? { remediation: m.Resolution } : {}),
    })),
  );
  const summary: Record<string, number> = { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 0 };
  for (const c of checks)
    if (!c.success && SEVERITY_COUNT[c.severity] && c.severity !== 'UNKNOWN')
      summary[SEVERITY_COUNT[c.severity]!]! += 1;
  return {
    apiVersion: `${TRIVY_OPERATOR_GROUP}/${TRIVY_OPERATOR_VERSION}`,
    kind: 'ConfigAuditReport',
    report: {
      updateTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version },
      summary,
      checks,
    },
  };
}

/** Name, namespace, the operator's labels and the owner reference to the ReplicaSet. */
function withMeta(
  body: Record<string, unknown>,
  rs: ReplicaSetJson,
  name: string,
  specHash: string,
  container?: string,
): Record<string, unknown> {
  return {
    ...body,
    metadata: {
      name,
      namespace: rs.metadata.namespace,
      labels: {
        [REPORT_LABELS.kind]: 'ReplicaSet',
        [REPORT_LABELS.name]: rs.metadata.name,
        [REPORT_LABELS.namespace]: rs.metadata.namespace,
        ...(container ? { [REPORT_LABELS.container]: container } : {}),
        [SPEC_HASH]: specHash,
        // Honest about who wrote it: the sandbox's stand-in, not the operator.
        [MANAGED_BY]: WRITER,
      },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: rs.metadata.name,
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: false,
        },
      ],
    },
  };
}

const reportPath = (namespace: string, plural: string, name: string): string =>
  `/apis/${TRIVY_OPERATOR_GROUP}/${TRIVY_OPERATOR_VERSION}/namespaces/${namespace}/${plural}/${name}`;

async function existingHash(client: SandboxKubeClient, path: string): Promise<string | undefined> {
  const o = await client.get<{ metadata?: { labels?: Record<string, string> } }>(path);
  return o?.metadata?.labels?.[SPEC_HASH];
}

/**
 * The image's tarball and tag, or why it cannot be scanned here. A digest-only ref (a rollout pins the tag it was
 * asked for) is looked up in the sandbox registry: the tag of the repository that names that digest.
 */
async function archiveOf(
  dir: string,
  image: string,
  registry: string | undefined,
): Promise<{ path: string; tag: string } | { reason: string }> {
  let ref;
  try {
    ref = parseImageRef(image);
  } catch (e) {
    return { reason: (e as Error).message };
  }
  const tag = ref.tag ?? (ref.digest && registry ? await tagOf(registry, ref.repository, ref.digest) : undefined);
  if (!tag)
    return {
      reason: `${image} names a digest${registry ? ' no tag of the sandbox registry names' : ' only and no registry was given'}; the sandbox's image archives are found by tag`,
    };
  const path = join(dir, ref.registry, ref.repository, `${tag}.tar`);
  return existsSync(path) ? { path, tag } : { reason: `no image archive for ${image} (looked for ${path})` };
}

/** The tag of `repository` in the registry whose manifest digest is `digest` (distribution API: tags, HEAD). */
async function tagOf(registry: string, repository: string, digest: string): Promise<string | undefined> {
  const list = await fetch(`${registry}/v2/${repository}/tags/list`, { signal: AbortSignal.timeout(10_000) });
  if (!list.ok) return undefined;
  const tags = ((await list.json()) as { tags?: string[] }).tags ?? [];
  for (const tag of tags.sort()) {
    const r = await resolveDigest({ baseUrl: registry }, repository, tag).catch(() => undefined);
    if (r === digest) return tag;
  }
  return undefined;
}

function dbUpdatedAt(cacheDir: string): string {
  try {
    return (
      (JSON.parse(readFileSync(join(cacheDir, 'db', 'metadata.json'), 'utf8')) as { UpdatedAt?: string }).UpdatedAt ??
      ''
    );
  } catch {
    return '';
  }
}

async function trivyVersion(bin: string): Promise<string> {
  const { stdout } = await exec(bin, ['--version'], { timeout: 30_000 });
  return /Version:\s*v?(\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

async function trivyJson<T>(bin: string, args: string[]): Promise<T> {
  const { stdout } = await exec(bin, args, { timeout: 300_000, maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}
