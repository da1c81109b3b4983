import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CostChart } from '../core/cost/report';

/** Writes a report's chart (PNG) into `dir` under the chart's own name; returns the absolute path. */
export async function writeChart(chart: CostChart, dir: string): Promise<string> {
  const path = resolve(join(dir, chart.fileName));
  await writeFile(path, Buffer.from(chart.pngBase64, 'base64'));
  return path;
}
