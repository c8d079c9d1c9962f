// The front end of sopkit's chart widget (sopkit/ui/chart.py), loaded by anywidget.
//
// One plotly.js per page, fetched once: from the server that serves the page (a cacheable
// file next to it: sopkit-serve and the static edition ship one), else from the kernel (JupyterLab).
// A figure change is drawn in place with Plotly.react: no new plot, no PNG copy sent back to
// the kernel (what the plotly mime renderer inside an ipywidgets Output does on every change).

const NOTICE = "This chart could not be drawn: reload the page. / 图表无法显示：请重新加载页面。";

function pageBaseUrl() {
  const el = document.getElementById("jupyter-config-data");
  try {
    return new URL(JSON.parse(el.textContent).baseUrl || "/", window.location.href).href;
  } catch (_error) {
    return new URL("/", window.location.href).href;
  }
}

function fromServer(path) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL(path, pageBaseUrl()).href;
    script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")));
    script.onerror = () => reject(new Error("not served"));
    document.head.appendChild(script);
  });
}

const KERNEL_WAIT_MS = 120000;  // 4.7 MB over a slow link, from a busy kernel

function fromKernel(model) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off("msg:custom", heard);
      reject(new Error("no answer from the kernel"));
    }, KERNEL_WAIT_MS);
    const heard = (msg, buffers) => {
      if (!msg || msg.type !== "library") return;
      clearTimeout(timer);
      model.off("msg:custom", heard);
      if (!buffers || !buffers.length) return reject(new Error("no library from the kernel"));
      const buffer = buffers[0];
      const text = new TextDecoder().decode(buffer.buffer ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer);
      // plotly.min.js is a UMD bundle: run it as CommonJS, whatever loader the page has.
      const module = { exports: {} };
      new Function("module", "exports", text)(module, module.exports);
      resolve(module.exports);
    };
    model.on("msg:custom", heard);
    model.send({ type: "library" });
  });
}

function plotly(model) {
  if (!window.__sopkitPlotly) {
    window.__sopkitPlotly = window.Plotly
      ? Promise.resolve(window.Plotly)
      : fromServer(model.get("library")).catch(() => fromKernel(model));
    window.__sopkitPlotly.catch(() => { window.__sopkitPlotly = undefined; });  // a later chart tries again
  }
  return window.__sopkitPlotly;
}

function render({ model, el }) {
  el.classList.add("sop-plot");
  let Plotly = null;
  let drawn = 0;
  let pending = null;
  let width = 0;

  const draw = async () => {
    const figure = model.get("figure") || {};
    if (!figure.data) return;
    const layout = { ...(figure.layout || {}) };
    if (!layout.height) layout.height = 360;
    await Plotly.react(el, figure.data, layout, figure.config || {});
    drawn += 1;
    el.dataset.sopDrawn = String(drawn);  // tests and benchmarks see an in-place redraw
  };
  // Changes that arrive while a draw is running are drawn once, with the latest figure.
  const redraw = () => {
    if (!Plotly) return;
    if (pending) { pending.again = true; return; }
    pending = { again: false };
    const run = () => draw().catch(fail).finally(() => {
      const again = pending && pending.again;
      pending = null;
      if (again) redraw();
    });
    run();
  };
  const fail = (error) => {
    console.error("sopkit chart:", error);
    el.textContent = NOTICE;
    el.classList.add("sop-plot-failed");
    el.setAttribute("role", "alert");
  };
  // The box can change width without the window changing (a panel opening, printing).
  const observer = new ResizeObserver((entries) => {
    const w = Math.round(entries[0].contentRect.width);
    if (!Plotly || !drawn || w === width) return;
    width = w;
    Plotly.Plots.resize(el).catch(() => {});
  });

  model.on("change:figure", redraw);
  plotly(model).then((library) => {
    Plotly = library;
    width = Math.round(el.getBoundingClientRect().width);
    observer.observe(el);
    redraw();
  }, fail);

  return () => {
    model.off("change:figure", redraw);
    observer.disconnect();
    if (Plotly) Plotly.purge(el);
  };
}

export default { render };
