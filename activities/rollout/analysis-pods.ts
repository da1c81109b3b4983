import { colourName, colourSelector, listPods, podProblem, podReady, podRestarts } from '../../adapters/k8s/bluegreen';
import type { AnalyseInput, AnalysisMeasurement, AnalysisSpec } from '../../core/rollout/types';
import { kubectlFor } from './colours';
import type { RolloutDeps } from './deps';
import { cancellationSignal } from './deps';
import { InvalidInput, PermissionDenied, ToolMissing } from '../../core/errors';

/**
 * The colour's pods, read from the cluster (label selector app + colour; pods being deleted are left out). Passes
 * only with at least one pod, every pod Ready, none Failed / CrashLoopBackOff / ImagePullBackOff / Error, and the
 * total restarts within `maxRestarts`. A read that fails is no measurement at all: `inconclusive`, never a pass and
 * never a verdict (an API outage says nothing about the new colour; the workflow measures again).
 */
export async function measurePods(
  deps: RolloutDeps,
  input: AnalyseInput,
  spec: Extract<AnalysisSpec, { provider: 'pods' }>,
): Promise<AnalysisMeasurement> {
  const { service, namespace } = input.target;
  const name = colourName(service, input.colour);
  const threshold = spec.maxRestarts;
  let all;
  try {
    const k = await kubectlFor(deps, input.target);
    all = await listPods(k, namespace, colourSelector(service, input.colour));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (cancellationSignal()?.aborted) throw e;
    // A refusal or a bad setting will not answer by waiting: that is a failed measurement, as it always was.
    if (e instanceof InvalidInput || e instanceof PermissionDenied || e instanceof ToolMissing) {
      return { provider: 'pods', passed: false, detail: `could not read the pods of ${name}: ${why}`, threshold };
    }
    return {
      provider: 'pods',
      passed: false,
      inconclusive: true,
      detail: `could not measure: reading the pods of ${name} failed: ${why}`,
      threshold,
    };
  }
  const pods = all.filter((p) => !p.metadata.deletionTimestamp);
  if (pods.length === 0) {
    return { provider: 'pods', passed: false, detail: `no pods found for ${name} in ${namespace}`, threshold };
  }
  const ready = pods.filter(podReady).length;
  const restarts = pods.reduce((n, p) => n + podRestarts(p), 0);
  const figures = `${ready}/${pods.length} pods ready, ${restarts} restart${restarts === 1 ? '' : 's'} (max ${threshold})`;
  const problems = pods.map(podProblem).filter((p): p is string => p !== undefined);
  const reasons = [
    ...problems,
    ...(ready < pods.length && problems.length === 0
      ? [
          `not Ready: ${pods
            .filter((p) => !podReady(p))
            .map((p) => p.metadata.name)
            .join(', ')}`,
        ]
      : []),
    ...(restarts > threshold ? [`${restarts} restarts > max ${threshold}`] : []),
  ];
  const passed = reasons.length === 0;
  return {
    provider: 'pods',
    passed,
    detail: passed ? figures : `${reasons.join('; ')} — ${figures}`,
    value: restarts,
    threshold,
  };
}
