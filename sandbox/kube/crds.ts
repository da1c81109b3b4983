import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SandboxKubeClient, waitFor } from './rest';
import type { KubeSettings } from './settings';

/** The CRDs the product uses (Istio VirtualService/DestinationRule, Trivy Operator VulnerabilityReport, ConfigAuditReport). */
export const CRDS_DIR = join(__dirname, 'crds');

/** kwok's own CRDs the simulation uses (`Logs`: per-pod logs, see pod-logs.ts), verbatim from kwok v0.8.0. */
export const KWOK_CRDS_DIR = join(__dirname, 'kwok-crds');

interface Crd {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/**
 * Applies every CRD under sandbox/kube/crds and sandbox/kube/kwok-crds (server-side apply, idempotent) and waits
 * until each is Established.
 */
export async function installCrds(s: KubeSettings, timeoutMs = 30_000): Promise<string[]> {
  const client = new SandboxKubeClient(s);
  const names: string[] = [];
  const files = [CRDS_DIR, KWOK_CRDS_DIR].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(dir, f)),
  );
  for (const file of files) {
    const crd = parse(readFileSync(file, 'utf8')) as Crd;
    const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
    await client.apply(path, crd);
    names.push(crd.metadata.name);
  }
  for (const name of names) {
    await waitFor(
      `CRD ${name} to be Established`,
      async () => {
        const crd = await client.get<Crd>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      },
      timeoutMs,
    );
  }
  return names;
}
