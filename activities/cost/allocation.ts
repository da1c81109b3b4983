import { ApplicationFailure } from '@temporalio/activity';
import type { ChartRenderer } from '../../adapters/chart/vega-png';
import type { AllocationReport, GetAllocationInput } from '../../core/cost/allocation';
import { ALLOCATION_AGGREGATE, buildAllocationReport } from '../../core/cost/allocation';
import { allocationChartSpec } from '../../core/cost/allocation-chart';
import { CHART_WIDTH } from '../../core/cost/chart-spec';
import type { CostChart } from '../../core/cost/report';

export interface AllocationDeps {
  readonly charts: ChartRenderer;
  /** Per request; OpenCost answers a week of namespaces in well under a second. */
  readonly timeoutMs?: number;
}

/** The request a report makes: OpenCost's allocation API, one accumulated set over the window. */
export function allocationUrl(input: GetAllocationInput): string {
  const q = new URLSearchParams({
    window: `${input.window.start},${input.window.end}`,
    aggregate: ALLOCATION_AGGREGATE[input.grouping],
    accumulate: 'true',
  });
  return `${input.url}/allocation/compute?${q.toString()}`;
}

/** fetch's failure in words: its cause's code and message (ECONNREFUSED, a timeout), not just "fetch failed". */
const errorText = (e: unknown): string => {
  type Failure = { message?: unknown; code?: unknown; cause?: unknown; name?: unknown };
  const outer = (e ?? {}) as Failure;
  // Errors may come from another realm (undici's): read their fields, not their class.
  const cause = (typeof outer.cause === 'object' && outer.cause !== null ? outer.cause : outer) as Failure;
  if (outer.name === 'TimeoutError') return 'no answer within the timeout';
  const code = typeof cause.code === 'string' ? `${cause.code}: ` : '';
  return `${code}${typeof cause.message === 'string' ? cause.message : 'unknown failure'}`;
};

/** Why the API could not be used, and what to check: non-retryable (the person is told at once, nothing to undo). */
function unavailable(input: GetAllocationInput, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the Kubernetes cost allocation API of ${input.environment} at ${input.url} ${what}. Check that OpenCost (or ` +
      `Kubecost) runs and that the worker can reach it (config cost.allocation.${input.environment}; in the sandbox: ` +
      '`npm run sandbox -- status` shows the opencost service)',
    'ToolMissing',
  );
}

/**
 * Read-only: OpenCost's `/allocation/compute` for the window, grouped by namespace or workload (controller), into
 * a report; then its chart (a chart that cannot be drawn does not cost the numbers).
 */
export function createAllocationActivities(deps: AllocationDeps) {
  return {
    async getAllocationReport(input: GetAllocationInput): Promise<AllocationReport> {
      let res: Response;
      try {
        res = await fetch(allocationUrl(input), { signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000) });
      } catch (e) {
        throw unavailable(input, `did not answer (${errorText(e)})`);
      }
      const text = await res.text();
      let body: { code?: unknown; data?: unknown; message?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw unavailable(
          input,
          `answered HTTP ${res.status} with something that is not OpenCost's JSON (${text.slice(0, 120)})`,
        );
      }
      const said = typeof body.message === 'string' ? body.message : text.slice(0, 200);
      // A server error may pass: retried (the activity's policy).
      if (res.status >= 500) throw new Error(`OpenCost at ${input.url}: HTTP ${res.status}: ${said}`);
      if (res.status !== 200 || body.code !== 200 || !Array.isArray(body.data))
        throw unavailable(input, `refused the query (HTTP ${res.status}: ${said})`);
      const set = (body.data[0] ?? {}) as Record<string, Record<string, unknown>>;
      return buildAllocationReport(input, set);
    },

    async renderAllocationChart(input: { readonly report: AllocationReport }): Promise<CostChart> {
      const r = input.report;
      const started = Date.now();
      const out = await deps.charts.renderPng(allocationChartSpec(r), CHART_WIDTH);
      return {
        pngBase64: out.png.toString('base64'),
        width: out.width,
        height: out.height,
        fileName: `cost-by-${r.grouping}-${r.environment}-${r.period}-${r.window.end.slice(0, 10)}.png`,
        renderMs: Date.now() - started,
      };
    },
  };
}
