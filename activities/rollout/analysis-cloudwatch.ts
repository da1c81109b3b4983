import type { Datapoint } from '@aws-sdk/client-cloudwatch';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { InvalidInput } from '../../core/errors';
import type { AnalyseInput, AnalysisMeasurement, AnalysisSpec } from '../../core/rollout/types';
import { fillTemplate } from '../../core/rollout/types';
import { rethrowAws } from './alb';
import type { RolloutDeps } from './deps';
import { regionOf } from './deps';

type CloudWatchSpec = Extract<AnalysisSpec, { provider: 'cloudwatch' }>;

/** Figures in details: whole numbers as they are, others to at most 3 decimals. */
function fmt(n: number): string {
  return String(Number(n.toFixed(3)));
}

/**
 * The metric over [windowStart, windowEnd] in one period (the window rounded up to a multiple of 60 s, at least
 * 60), judged against `max`. Sum with no datapoints is 0 (the ELB omits zero counts); Average and Maximum with no
 * datapoints fail: there is nothing to judge, and an analysis never passes without a measurement.
 */
export async function measureCloudWatch(
  deps: RolloutDeps,
  input: AnalyseInput,
  spec: CloudWatchSpec,
): Promise<AnalysisMeasurement> {
  const start = Date.parse(input.windowStart);
  const end = Date.parse(input.windowEnd);
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    throw new InvalidInput(
      `analysis window: '${input.windowStart}'..'${input.windowEnd}' is not a time range; give two ISO times, the end after the start`,
    );
  }
  const windowSeconds = Math.round((end - start) / 1000);
  const period = Math.max(60, Math.ceil(windowSeconds / 60) * 60);
  const t = input.target;
  const dimensions = Object.entries(spec.dimensions).map(([Name, template]) => ({
    Name,
    Value: fillTemplate(template, {
      service: t.service,
      env: t.environment,
      colour: input.colour,
      namespace: t.namespace,
    }),
  }));
  const dims = dimensions.map((d) => `${d.Name}=${d.Value}`).join(', ');
  const region = regionOf(deps, t.environment);

  let datapoints: Datapoint[] = [];
  try {
    const out = await deps.aws.cloudWatch({ region }).send(
      new GetMetricStatisticsCommand({
        Namespace: spec.namespace,
        MetricName: spec.metricName,
        Dimensions: dimensions,
        // Whole seconds (the wire format's resolution), the end strictly after the start even for a short window.
        StartTime: new Date(Math.floor(start / 1000) * 1000),
        EndTime: new Date(Math.max(Math.ceil(end / 1000), Math.floor(start / 1000) + 1) * 1000),
        Period: period,
        // Average over the window = total Sum / total SampleCount (averaging per-bucket averages would be wrong).
        Statistics: ['Sum', 'SampleCount', 'Maximum'],
      }),
    );
    datapoints = out.Datapoints ?? [];
  } catch (e) {
    rethrowAws(e, `reading CloudWatch ${spec.namespace} ${spec.metricName} (${dims}) in ${region}`);
  }

  const what = `${spec.metricName} ${spec.statistic}`;
  const over = `over ${windowSeconds}s (${dims})`;
  if (datapoints.length === 0) {
    if (spec.statistic === 'Sum') {
      const passed = 0 <= spec.max;
      return {
        provider: 'cloudwatch',
        passed,
        detail: `${what} 0 ${passed ? '<=' : '>'} max ${fmt(spec.max)} ${over}: no datapoints (0)`,
        value: 0,
        threshold: spec.max,
      };
    }
    return {
      provider: 'cloudwatch',
      passed: false,
      detail: `${what} ${over}: no datapoints: cannot judge (max ${fmt(spec.max)})`,
      threshold: spec.max,
    };
  }

  const sum = datapoints.reduce((a, d) => a + (d.Sum ?? 0), 0);
  const samples = datapoints.reduce((a, d) => a + (d.SampleCount ?? 0), 0);
  let value: number;
  switch (spec.statistic) {
    case 'Sum':
      value = sum;
      break;
    case 'Average':
      if (samples <= 0) {
        return {
          provider: 'cloudwatch',
          passed: false,
          detail: `${what} ${over}: datapoints without a sample count: cannot judge (max ${fmt(spec.max)})`,
          threshold: spec.max,
        };
      }
      value = sum / samples;
      break;
    case 'Maximum': {
      const maxima = datapoints.map((d) => d.Maximum).filter((m): m is number => m !== undefined);
      if (maxima.length === 0) {
        return {
          provider: 'cloudwatch',
          passed: false,
          detail: `${what} ${over}: datapoints without a maximum: cannot judge (max ${fmt(spec.max)})`,
          threshold: spec.max,
        };
      }
      value = Math.max(...maxima);
      break;
    }
  }
  const passed = value <= spec.max;
  return {
    provider: 'cloudwatch',
    passed,
    detail: `${what} ${fmt(value)} ${passed ? '<=' : '>'} max ${fmt(spec.max)} ${over}`,
    value,
    threshold: spec.max,
  };
}
