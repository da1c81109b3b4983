// PLACEHOLDER — being written by the Kubernetes rollout helper (replace whole file).
import type { AnalyseInput, AnalysisMeasurement, AnalysisSpec } from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
export async function measurePods(
  _d: RolloutDeps,
  _i: AnalyseInput,
  _s: Extract<AnalysisSpec, { provider: 'pods' }>,
): Promise<AnalysisMeasurement> {
  throw new Error('not written yet');
}
