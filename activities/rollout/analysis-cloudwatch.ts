// PLACEHOLDER — being written by the AWS rollout helper (replace whole file).
import type { AnalyseInput, AnalysisMeasurement, AnalysisSpec } from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
export async function measureCloudWatch(
  _d: RolloutDeps,
  _i: AnalyseInput,
  _s: Extract<AnalysisSpec, { provider: 'cloudwatch' }>,
): Promise<AnalysisMeasurement> {
  throw new Error('not written yet');
}
