import type { DeploymentObject } from '../../adapters/k8s/bluegreen';
import {
  ANNOTATION_APPLIED_ENV,
  ANNOTATION_APPLIED_IMAGE,
  ANNOTATION_APPLIED_REPLICAS,
  APPLIED_ENV_NONE,
  applyManifests,
  colourName,
  deploymentContainer,
  deploymentManifest,
  getObject,
  removeEnv,
} from '../../adapters/k8s/bluegreen';
import { InvalidInput } from '../../core/errors';
import type { ColourRestore } from '../../core/drift/service-remediation';
import type { ServiceTarget } from '../../core/rollout/types';
import { kubectlFor } from './colours';
import type { RolloutDeps } from './deps';
import { heartbeat } from './deps';

/** Input of `restoreServiceColours`: the approved plan (recorded in history) and the catalog port as a fallback. */
export interface RestoreServiceColoursInput {
  readonly target: ServiceTarget;
  readonly colours: readonly ColourRestore[];
  /** The catalog's port, used only when the live Deployment declares none. */
  readonly port: number;
  /** Stamped on each Deployment (`infra-agent/operation`), as a rollout stamps its own. */
  readonly operationId: string;
}

/** Per colour: whether this attempt wrote it (false: it already was what the rollout applied — a retry). */
export interface RestoreServiceColoursResult {
  readonly colours: readonly { readonly colour: ColourRestore['colour']; readonly changed: boolean }[];
}

type LiveEnv = readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];

function liveEnv(d: DeploymentObject, service: string): LiveEnv {
  const cs = d.spec?.template?.spec?.containers ?? [];
  return (cs.find((c) => c.name === service) ?? cs[0])?.env ?? [];
}

/** True when the Deployment already is what the plan puts back (image, replicas, env, and the records). */
function restored(d: DeploymentObject, service: string, want: ColourRestore): boolean {
  const a = d.metadata.annotations ?? {};
  const env = liveEnv(d, service);
  const wantEnv = Object.entries(want.env);
  const envJson = wantEnv.length ? JSON.stringify(want.env) : APPLIED_ENV_NONE;
  return (
    deploymentContainer(d, service).image === want.image &&
    (d.spec?.replicas ?? 1) === want.replicas &&
    env.length === wantEnv.length &&
    wantEnv.every(([n, v]) => env.some((e) => e.name === n && e.value === v && e.valueFrom === undefined)) &&
    a[ANNOTATION_APPLIED_IMAGE] === want.image &&
    a[ANNOTATION_APPLIED_REPLICAS] === String(want.replicas) &&
    (a[ANNOTATION_APPLIED_ENV] ?? APPLIED_ENV_NONE) === envJson
  );
}

/**
 * `remediate service`'s one write: each drifted colour's Deployment put back to what its last rollout applied. Reads
 * first and skips a colour that already is (so a retry after a lost attempt writes nothing twice); otherwise a
 * server-side apply of the rollout's own Deployment manifest with the recorded image, replicas and env (conflicts
 * forced: `kubectl scale`/`set image` took those fields), then a by-name delete of env vars the rollout never set
 * (server-side apply cannot remove a field another manager owns). Heartbeats per colour.
 */
export async function restoreServiceColours(
  deps: RolloutDeps,
  input: RestoreServiceColoursInput,
): Promise<RestoreServiceColoursResult> {
  const { service, namespace } = input.target;
  const k = await kubectlFor(deps, input.target);
  const out: { colour: ColourRestore['colour']; changed: boolean }[] = [];
  for (const want of input.colours) {
    heartbeat({ colour: want.colour });
    const name = colourName(service, want.colour);
    if (want.name !== name)
      throw new InvalidInput(`colour: '${want.name}' is not ${service}'s ${want.colour} (${name})`);
    const d = await getObject<DeploymentObject>(k, 'deployment', name, namespace);
    if (!d || d.metadata.deletionTimestamp) {
      throw new InvalidInput(
        `deployment ${name} is gone from ${namespace}: nothing recorded to put back; roll ${service} out again`,
      );
    }
    if (restored(d, service, want)) {
      out.push({ colour: want.colour, changed: false });
      continue;
    }
    const spec = {
      namespace,
      service,
      colour: want.colour,
      image: want.image,
      port: deploymentContainer(d, service).port ?? input.port,
      replicas: want.replicas,
      operationId: input.operationId,
      env: want.env,
    };
    await applyManifests(k, [deploymentManifest(spec)]);
    const extra = liveEnv(d, service)
      .map((e) => e.name)
      .filter((n) => !(n in want.env));
    await removeEnv(k, { namespace, service, colour: want.colour }, extra);
    out.push({ colour: want.colour, changed: true });
  }
  return { colours: out };
}
