import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { ResolvedChart } from '../../adapters/k8s/helm-argv';
import { InvalidInput } from '../../core/errors';
import type { ChartRef } from '../../core/k8s/request';

/**
 * Resolves a validated chart reference and writes its values to a private temp file, then runs `f` and removes
 * the file. Local paths are resolved with symlinks followed and must stay inside `chartRoot`.
 */
export async function withChart<T>(chartRoot: string, ref: ChartRef, f: (c: ResolvedChart) => Promise<T>): Promise<T> {
  let chart = ref.chart;
  if (chart.startsWith('./')) {
    const root = await realpath(chartRoot);
    let real: string;
    try {
      real = await realpath(resolve(root, chart));
    } catch {
      throw new InvalidInput(`chart: '${chart}' does not exist under the repository; check the path`);
    }
    if (real !== root && !real.startsWith(root + sep)) {
      throw new InvalidInput(`chart: '${chart}' leads outside the repository; use a chart inside it`);
    }
    chart = real;
  }
  const dir = ref.values ? await mkdtemp(join(tmpdir(), 'infra-agent-values-')) : undefined;
  try {
    const valuesFile = dir ? join(dir, 'values.json') : undefined;
    if (valuesFile) await writeFile(valuesFile, JSON.stringify(ref.values), { mode: 0o600 });
    return await f({ chart, ...(ref.version ? { version: ref.version } : {}), ...(valuesFile ? { valuesFile } : {}) });
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
