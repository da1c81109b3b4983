/**
 * The chart renderer's thread body, passed to `new Worker(…, { eval: true })`. vega and vega-lite are ESM-only
 * with top-level await, which neither `require()` nor jest's module loader can load; a worker thread is plain
 * Node, so `import()` works there whatever loads this module.
 */
export const RENDER_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { readFileSync } = require('node:fs');
const loaded = (async () => {
  const vega = await import(pathToFileURL(workerData.vega).href);
  const vl = await import(pathToFileURL(workerData.vegaLite).href);
  const { Resvg } = require(workerData.resvg);
  readFileSync(workerData.font);
  return { vega, vl, Resvg };
})();
parentPort.on('message', async (msg) => {
  try {
    const { vega, vl, Resvg } = await loaded;
    const compiled = vl.compile(msg.spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'width', value: msg.width },
      font: { fontFiles: [workerData.font], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
      background: 'white',
    });
    const png = resvg.render();
    parentPort.postMessage({ id: msg.id, png: png.asPng(), width: png.width, height: png.height });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.stack) || e) });
  }
});
`;
