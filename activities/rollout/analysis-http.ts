import { InvalidInput } from '../../core/errors';
import type { AnalyseInput, AnalysisMeasurement, AnalysisSpec } from '../../core/rollout/types';
import { fillTemplate } from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
import { cancellationSignal, heartbeat } from './deps';

type HttpSpec = Extract<AnalysisSpec, { provider: 'http' }>;

function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(1))}%`;
}

/** One GET: the status code, or why there was none ("timeout after 2000ms", "ECONNREFUSED"). */
async function probe(doFetch: typeof fetch, url: string, timeoutMs: number): Promise<{ ok: boolean; outcome: string }> {
  const cancel = cancellationSignal();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  try {
    const res = await doFetch(url, { method: 'GET', signal, redirect: 'manual' });
    // The body is not needed; cancelling it frees the connection.
    await res.body?.cancel().catch(() => undefined);
    return { ok: res.status >= 200 && res.status < 300, outcome: `HTTP ${res.status}` };
  } catch (e) {
    if (cancel?.aborted) throw e;
    if (timeout.aborted) return { ok: false, outcome: `timeout after ${timeoutMs}ms` };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, outcome: cause?.code ?? cause?.message ?? (e as Error).message };
  }
}

/**
 * `samples` sequential GETs against the new colour's URL; a sample succeeds when it answers 2xx within
 * `timeoutMs`. Passes when the share of successes is at least `minSuccessRate`.
 */
export async function measureHttp(
  deps: RolloutDeps,
  input: AnalyseInput,
  spec: HttpSpec,
): Promise<AnalysisMeasurement> {
  const t = input.target;
  const url = fillTemplate(spec.url, {
    service: t.service,
    env: t.environment,
    colour: input.colour,
    namespace: t.namespace,
  });
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new InvalidInput(
      `services.${t.service}.rollout.analysis (http).url: '${spec.url}' gives '${url}', which is not an http(s) URL; ` +
        `use e.g. 'http://{service}-{colour}.{namespace}.svc:8080/healthz'`,
    );
  }
  if (!Number.isInteger(spec.samples) || spec.samples < 1) {
    throw new InvalidInput(
      `services.${t.service}.rollout.analysis (http).samples: ${spec.samples}; use a whole number >= 1`,
    );
  }
  if (!(spec.timeoutMs > 0)) {
    throw new InvalidInput(`services.${t.service}.rollout.analysis (http).timeoutMs: ${spec.timeoutMs}; use e.g. 2000`);
  }

  const doFetch = deps.fetch ?? fetch;
  let ok = 0;
  const failures = new Map<string, number>();
  for (let i = 0; i < spec.samples; i++) {
    const r = await probe(doFetch, url, spec.timeoutMs);
    if (r.ok) ok++;
    else failures.set(r.outcome, (failures.get(r.outcome) ?? 0) + 1);
    heartbeat({ provider: 'http', sample: i + 1, of: spec.samples });
  }
  const rate = ok / spec.samples;
  const passed = rate >= spec.minSuccessRate;
  const others = [...failures].map(([outcome, n]) => `${n}x ${outcome}`).join(', ');
  return {
    provider: 'http',
    passed,
    detail: `${ok}/${spec.samples} answered 2xx (min ${percent(spec.minSuccessRate)})${others ? `; ${others}` : ''} from ${url}`,
    value: rate,
    threshold: spec.minSuccessRate,
  };
}
