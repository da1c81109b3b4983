import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SandboxKubeClient, waitFor } from './rest';
import type { KubeSettings } from './settings';

/** The CRDs the product uses (Istio VirtualService/DestinationRule, Trivy Operator VulnerabilityReport). */
export const CRDS_DIR = join(__dirname, 'crds');

interface Crd {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** Applies every CRD under sandbox/kube/crds (server-side apply, idempotent) and waits until each is Established. */
export async function installCrds(s: KubeSettings, timeoutMs = 30_000): Promise<string[]> {
  const client = new SandboxKubeClient(s);
  const names: string[] = [];
  for (const file of readdirSync(CRDS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const crd = parse(readFileSync(join(CRDS_DIR, file), 'utf8')) as Crd;
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
