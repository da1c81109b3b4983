import { ToolMissing } from '../../core/errors';
import type {
  AnalyseInput,
  AnalyseResult,
  AnalysisMeasurement,
  ReadTrafficInput,
  ReadTrafficResult,
  RolloutActivities,
  SecurityGateInput,
  SecurityGateResult,
  SetTrafficInput,
  SetTrafficResult,
} from '../../core/rollout/types';
import { readAlbTraffic, setAlbTraffic } from './alb';
import { measureCloudWatch } from './analysis-cloudwatch';
import { measureHttp } from './analysis-http';
import { measurePods } from './analysis-pods';
import { deployColour, readColours, scaleColour, waitColourReady } from './colours';
import type { RolloutDeps } from './deps';
import { readIstioTraffic, setIstioTraffic } from './istio';

export type { RolloutDeps } from './deps';

/**
 * The security gate. There is no security agent yet (Trivy scans come with it), so this passes every image and
 * says so: the preview shows "pass-through: image not scanned" and the audit records it.
 */
export function securityGate(input: SecurityGateInput): Promise<SecurityGateResult> {
  return Promise.resolve({
    passed: true,
    provider: 'pass-through',
    summary: `pass-through: ${input.image} was NOT scanned (no security agent configured yet)`,
  });
}

/** Every configured provider measures; the analysis passes only when each one passed. */
export async function analyseColour(deps: RolloutDeps, input: AnalyseInput): Promise<AnalyseResult> {
  const measurements: AnalysisMeasurement[] = [];
  for (const spec of input.specs) {
    switch (spec.provider) {
      case 'pods':
        measurements.push(await measurePods(deps, input, spec));
        break;
      case 'cloudwatch':
        measurements.push(await measureCloudWatch(deps, input, spec));
        break;
      case 'http':
        measurements.push(await measureHttp(deps, input, spec));
        break;
    }
  }
  return { passed: measurements.length > 0 && measurements.every((m) => m.passed), measurements };
}

export function readTraffic(deps: RolloutDeps, input: ReadTrafficInput): Promise<ReadTrafficResult> {
  return input.traffic.kind === 'istio'
    ? readIstioTraffic(deps, input.target)
    : readAlbTraffic(deps, input.target, input.traffic);
}

export function setTraffic(deps: RolloutDeps, input: SetTrafficInput): Promise<SetTrafficResult> {
  return input.traffic.kind === 'istio' ? setIstioTraffic(deps, input) : setAlbTraffic(deps, input, input.traffic);
}

/** Builds the rollout activities; without deps (no cluster configured) each says what to configure. */
export function createRolloutActivities(deps: RolloutDeps | undefined): RolloutActivities {
  const need = (): RolloutDeps => {
    if (!deps) throw new ToolMissing('rollouts need a cluster: add environments.<env>.cluster to the config');
    return deps;
  };
  return {
    rolloutSecurityGate: (i) => securityGate(i),
    readColours: (i) => readColours(need(), i),
    deployColour: (i) => deployColour(need(), i),
    waitColourReady: (i) => waitColourReady(need(), i),
    scaleColour: (i) => scaleColour(need(), i),
    readTraffic: (i) => readTraffic(need(), i),
    setTraffic: (i) => setTraffic(need(), i),
    analyseColour: (i) => analyseColour(need(), i),
  };
}
