import { ToolMissing, TransientFailure } from '../../core/errors';
import type {
  AnalyseInput,
  AnalyseResult,
  AnalysisMeasurement,
  AnalysisSpec,
  ReadTrafficInput,
  ReadTrafficResult,
  RolloutActivities,
  SecurityGateInput,
  SecurityGateResult,
  SetTrafficInput,
  SetTrafficResult,
} from '../../core/rollout/types';
import type { ServiceLiveState } from '../../core/drift/kubernetes';
import type { SecurityDeps } from '../security';
import { securityGateScan } from '../security';
import { measureCloudWatch } from './analysis-cloudwatch';
import { measureHttp } from './analysis-http';
import { measurePods } from './analysis-pods';
import { deployColour, readColours, scaleColour, waitColourReady } from './colours';
import type { RolloutDeps } from './deps';
import { readTrafficVia, setTrafficVia } from './traffic-router';
import type { ReadServiceStateInput } from './service-state';
import { readServiceState } from './service-state';
import type { RestoreServiceColoursInput, RestoreServiceColoursResult } from './restore-colours';
import { restoreServiceColours } from './restore-colours';

export type { RolloutDeps } from './deps';
export type { ReadServiceStateInput } from './service-state';
export type { RestoreServiceColoursInput, RestoreServiceColoursResult } from './restore-colours';

/**
 * The security gate. With config `security` (docs/security.md) the image is scanned with trivy and judged by the
 * environment's rule, failing closed when it cannot be scanned. Without it nothing is scanned, and the gate says
 * so: the preview shows "pass-through: image not scanned" and the audit records it.
 */
export function securityGate(input: SecurityGateInput, security?: SecurityDeps): Promise<SecurityGateResult> {
  if (security) return securityGateScan(security, input);
  return Promise.resolve({
    passed: true,
    provider: 'pass-through',
    summary: `pass-through: ${input.image} was NOT scanned (no security section in the config)`,
  });
}

function measure(deps: RolloutDeps, input: AnalyseInput, spec: AnalysisSpec): Promise<AnalysisMeasurement> {
  switch (spec.provider) {
    case 'pods':
      return measurePods(deps, input, spec);
    case 'cloudwatch':
      return measureCloudWatch(deps, input, spec);
    case 'http':
      return measureHttp(deps, input, spec);
  }
}

/**
 * Every configured provider measures; the analysis passes only when each one passed. A provider whose read failed
 * for a reason worth retrying (TransientFailure: API down, throttled, timed out) gave no measurement: it is
 * `inconclusive`, and so is the result when nothing else measured bad. A measured failure always wins: a bad
 * colour is rolled back even while another provider cannot read. Configuration errors (InvalidInput, …) still
 * fail the activity: retrying the measurement cannot fix them.
 */
export async function analyseColour(deps: RolloutDeps, input: AnalyseInput): Promise<AnalyseResult> {
  const measurements: AnalysisMeasurement[] = [];
  for (const spec of input.specs) {
    try {
      measurements.push(await measure(deps, input, spec));
    } catch (e) {
      if (!(e instanceof TransientFailure)) throw e;
      measurements.push({
        provider: spec.provider,
        passed: false,
        inconclusive: true,
        detail: `could not measure: ${e.message}`,
      });
    }
  }
  const measuredBad = measurements.some((m) => !m.passed && !m.inconclusive);
  const inconclusive = !measuredBad && measurements.some((m) => m.inconclusive);
  return {
    passed: measurements.length > 0 && measurements.every((m) => m.passed),
    measurements,
    ...(inconclusive ? { inconclusive } : {}),
  };
}

/** The split, read through the environment's traffic router (activities/rollout/traffic-router.ts). */
export function readTraffic(deps: RolloutDeps, input: ReadTrafficInput): Promise<ReadTrafficResult> {
  return readTrafficVia(deps, input.target, input.traffic);
}

/** Sets the split through the environment's traffic router, after the one weight check. */
export function setTraffic(deps: RolloutDeps, input: SetTrafficInput): Promise<SetTrafficResult> {
  return setTrafficVia(deps, input);
}

/** Builds the rollout activities; without deps (no cluster configured) each says what to configure. */
export function createRolloutActivities(
  deps: RolloutDeps | undefined,
  security?: SecurityDeps,
): RolloutActivities & {
  readServiceState(input: ReadServiceStateInput): Promise<ServiceLiveState>;
  restoreServiceColours(input: RestoreServiceColoursInput): Promise<RestoreServiceColoursResult>;
} {
  const need = (): RolloutDeps => {
    if (!deps) throw new ToolMissing('rollouts need a cluster: add environments.<env>.cluster to the config');
    return deps;
  };
  return {
    rolloutSecurityGate: (i) => securityGate(i, security),
    readColours: (i) => readColours(need(), i),
    deployColour: (i) => deployColour(need(), i),
    waitColourReady: (i) => waitColourReady(need(), i),
    scaleColour: (i) => scaleColour(need(), i),
    readTraffic: (i) => readTraffic(need(), i),
    setTraffic: (i) => setTraffic(need(), i),
    analyseColour: (i) => analyseColour(need(), i),
    readServiceState: (i) => readServiceState(need(), i),
    restoreServiceColours: (i) => restoreServiceColours(need(), i),
  };
}
