import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { RENDER_WORKER_SOURCE } from './render-worker';

/** The font text is drawn with: resvg draws no text without one (it does not guess a system font here). */
export const DEFAULT_CHART_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

export interface RenderedPng {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Renders Vega-Lite specs to PNG offline: vega-lite → vega → SVG (View.toSVG) → PNG (resvg). */
export interface ChartRenderer {
  renderPng(spec: Record<string, unknown>, width: number): Promise<RenderedPng>;
  close(): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly png?: Uint8Array;
  readonly width?: number;
  readonly height?: number;
  readonly error?: string;
}

/**
 * A small pool of worker threads (`threads`, default 2: the machines have 2 cores), each started on first use and
 * kept (unref'd while idle: they never hold the process open), so vega's ~200 ms load is paid once per thread.
 * A render goes to the thread with the fewest renders waiting.
 */
export function createChartRenderer(font: string = DEFAULT_CHART_FONT, threads = 2): ChartRenderer {
  interface Slot {
    worker?: Worker;
    readonly pending: Map<number, { resolve: (r: RenderedPng) => void; reject: (e: Error) => void }>;
  }
  const slots: Slot[] = Array.from({ length: Math.max(1, threads) }, () => ({ pending: new Map() }));
  let next = 0;
  const start = (slot: Slot): Worker => {
    if (!existsSync(font))
      throw new Error(
        `chart font ${font} does not exist: install fonts-dejavu-core (apt-get install fonts-dejavu-core)`,
      );
    const w = new Worker(RENDER_WORKER_SOURCE, {
      eval: true,
      workerData: {
        vega: require.resolve('vega'),
        vegaLite: require.resolve('vega-lite'),
        resvg: require.resolve('@resvg/resvg-js'),
        font,
      },
    });
    const failAll = (e: Error): void => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      if (slot.worker === w) delete slot.worker;
    };
    w.unref();
    w.on('message', (r: Reply) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (slot.pending.size === 0) w.unref();
      if (r.error || !r.png) p.reject(new Error(`chart rendering failed: ${r.error ?? 'no image'}`));
      else p.resolve({ png: Buffer.from(r.png), width: r.width ?? 0, height: r.height ?? 0 });
    });
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => failAll(new Error(`chart renderer exited with code ${code}`)));
    return w;
  };
  return {
    renderPng(spec, width) {
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const w = (slot.worker ??= start(slot));
      const id = ++next;
      return new Promise<RenderedPng>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, spec, width });
      });
    },
    async close() {
      await Promise.all(
        slots.map(async (slot) => {
          const w = slot.worker;
          delete slot.worker;
          if (w) await w.terminate();
        }),
      );
    },
  };
}
