import { ApiException } from '@kubernetes/client-node';
import type {
  ConfigAuditReportObject,
  LiveWorkload,
  VulnerabilityReportObject,
} from '../../core/security/cluster-reports';
import { REPORT_LABELS, TRIVY_OPERATOR_GROUP, TRIVY_OPERATOR_VERSION } from '../../core/security/cluster-reports';
import type { ApiCallSubject } from './client-node';
import { abortable, apiFailure, kubeApiClients, plain } from './client-node';
import type { KubeTarget } from './target';

/** What the cluster holds for one service: its Deployments (with their ReplicaSets) and the operator's reports. */
export interface TrivyReportsRead {
  /** False when the cluster does not serve the report kinds: the operator's CRDs are not installed. */
  readonly installed: boolean;
  readonly workloads: readonly LiveWorkload[];
  readonly vulnerabilityReports: readonly VulnerabilityReportObject[];
  readonly configAuditReports: readonly ConfigAuditReportObject[];
}

interface Owned {
  readonly metadata?: {
    readonly name?: string;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string }[];
  };
}
interface DeploymentJson extends Owned {
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: { readonly spec?: { readonly containers?: readonly { name: string; image?: string }[] } };
  };
}

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * Reads the service's Deployments (`app=<service>`), their ReplicaSets, and the operator's VulnerabilityReports and
 * ConfigAuditReports in the namespace (selected by the operator's own `trivy-operator.resource.namespace` label). A
 * 404 for a report kind means the cluster does not serve it: the operator is not installed (never an empty answer).
 */
export async function readTrivyReports(
  target: KubeTarget,
  namespace: string,
  service: string,
  signal?: AbortSignal,
): Promise<TrivyReportsRead> {
  const c = await kubeApiClients(target);
  const call = <T>(about: ApiCallSubject, f: () => Promise<T>): Promise<T> =>
    abortable(f(), signal).catch((e: unknown) => {
      throw signal?.aborted ? e : apiFailure(e, about, c.secrets);
    });
  const labelSelector = `${REPORT_LABELS.namespace}=${namespace}`;
  const list = async (plural: string): Promise<unknown[] | undefined> => {
    try {
      const r = (await abortable(
        c.custom.listNamespacedCustomObject({
          group: TRIVY_OPERATOR_GROUP,
          version: TRIVY_OPERATOR_VERSION,
          namespace,
          plural,
          labelSelector,
        }),
        signal,
      )) as { items?: unknown[] };
      return plain<unknown[]>(r.items ?? []);
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return undefined;
      throw signal?.aborted ? e : apiFailure(e, { action: `list ${plural}`, namespace }, c.secrets);
    }
  };
  const [vulns, audits] = await Promise.all([list('vulnerabilityreports'), list('configauditreports')]);
  if (vulns === undefined || audits === undefined)
    return { installed: false, workloads: [], vulnerabilityReports: [], configAuditReports: [] };
  const appSelector = `app=${service}`;
  const [deployments, replicaSets] = await Promise.all([
    call({ action: 'list deployments', namespace }, () =>
      c.apps.listNamespacedDeployment({ namespace, labelSelector: appSelector }),
    ),
    call({ action: 'list replicasets', namespace }, () =>
      c.apps.listNamespacedReplicaSet({ namespace, labelSelector: appSelector }),
    ),
  ]);
  const sets = plain<Owned[]>(replicaSets.items);
  const workloads = plain<DeploymentJson[]>(deployments.items).map((d): LiveWorkload => {
    const name = d.metadata?.name ?? '';
    const owned = sets.filter((rs) =>
      rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name),
    );
    const revision = d.metadata?.annotations?.[REVISION];
    const current = owned.find((rs) => revision !== undefined && rs.metadata?.annotations?.[REVISION] === revision);
    return {
      name,
      replicas: d.spec?.replicas ?? 0,
      containers: (d.spec?.template?.spec?.containers ?? []).map((x) => ({ name: x.name, image: x.image ?? '' })),
      replicaSets: owned.map((rs) => rs.metadata?.name ?? ''),
      ...(current?.metadata?.name ? { currentReplicaSet: current.metadata.name } : {}),
    };
  });
  return {
    installed: true,
    workloads: workloads.sort((a, b) => a.name.localeCompare(b.name)),
    vulnerabilityReports: vulns as VulnerabilityReportObject[],
    configAuditReports: audits as ConfigAuditReportObject[],
  };
}
