// The front end of sopkit's chart widget (sopkit/ui/chart.py), loaded by anywidget.
//
// One plotly.js per page, fetched once: from the server that serves the page (a cacheable
// file next to it: sopkit-serve, whose page template starts loading it at once, and the static
// edition ship one), else from the kernel (JupyterLab).
// A figure change is drawn in place with Plotly.react: no new plot, no PNG copy sent back to
// the kernel (what the plotly mime renderer inside an ipywidgets Output does on every change).
// A page's first view (sopkit/ui/first_view.js) may already have drawn the figure: the chart
// adopts that plot at the hand-over instead of drawing it again.

const NOTICE = "This chart could not be drawn: reload the page. / 图表无法显示：请重新加载页面。";

function pageBaseUrl() {
  const el = document.getElementById("jupyter-config-data");
  try {
    return new URL(JSON.parse(el.textContent).baseUrl || "/", window.location.href).href;
  } catch (_error) {
    return new URL("/", window.location.href).href;
  }
}

// The page template may already load it (<script id="sop-plotly" async>, sopkit-serve).
function fromPage() {
  const tag = document.getElementById("sop-plotly");
  if (!tag) return null;
  return new Promise((resolve, reject) => {
    const loaded = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")));
    if (window.Plotly) return resolve(window.Plotly);
    if (tag.dataset.failed) return reject(new Error("not served"));
    tag.addEventListener("load", loaded);
    tag.addEventListener("error", () => reject(new Error("not served")));
  });
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
      : (fromPage() || fromServer(model.get("library"))).catch(() => fromKernel(model));
    window.__sopkitPlotly.catch(() => { window.__sopkitPlotly = undefined; });  // a later chart tries again
  }
  return window.__sopkitPlotly;
}

// Charts are drawn one at a time, visible ones first, with a paint between two draws: the
// first chart a visitor sees does not wait for the charts below it (a draw takes 0.1-0.2 s).
function schedule(el, job) {
  const queue = window.__sopkitDraws || (window.__sopkitDraws = { items: [], running: false });
  return new Promise((resolve, reject) => {
    queue.items.push({ el, job, resolve, reject });
    if (!queue.running) pump(queue);
  });
}

function onScreen(el) {
  const box = el.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight;
}

function pump(queue) {
  if (!queue.items.length) { queue.running = false; return; }
  queue.running = true;
  const index = Math.max(0, queue.items.findIndex((item) => onScreen(item.el)));
  const [item] = queue.items.splice(index, 1);
  let next = false;
  const after = () => {
    if (next) return;
    next = true;
    setTimeout(() => pump(queue), 0);
  };
  item.job().then(item.resolve, item.reject).finally(() => {
    requestAnimationFrame(after);  // after the paint ...
    setTimeout(after, 100);  // ... or soon, in a tab that does not paint
  });
}

function render({ model, el }) {
  // The plot is a child of the widget's element: a plot the page's first view drew
  // (sopkit/ui/first_view.js) can be adopted as it is, not drawn again.
  let gd = null;
  let Plotly = null;
  let drawn = 0;
  let pending = null;
  let width = 0;
  let dirty = false;  // the figure changed before the plot was there

  const draw = async () => {
    const figure = model.get("figure") || {};
    if (!figure.data) return;
    const layout = { ...(figure.layout || {}) };
    if (!layout.height) layout.height = 360;
    await schedule(gd, () => Plotly.react(gd, figure.data, layout, figure.config || {}));
    drawn += 1;
    gd.dataset.sopDrawn = String(drawn);  // tests and benchmarks see an in-place redraw
  };
  // Changes that arrive while a draw is running are drawn once, with the latest figure.
  const redraw = () => {
    if (!Plotly || !gd) { dirty = true; return; }
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
    Plotly.Plots.resize(gd).catch(() => {});
  });
  const start = (library) => {
    Plotly = library;
    width = Math.round(el.getBoundingClientRect().width);
    observer.observe(el);
  };
  const own = () => {
    gd = document.createElement("div");
    gd.className = "sop-plot";
    el.appendChild(gd);
  };

  model.on("change:figure", redraw);
  const first = window.sopkitFirstView;
  const claim = first ? first.claim(model.get("figure"), el) : null;
  el.dataset.sopReady = "1";  // the first view waits for every chart of the live page
  const adopt = (claim) => {
    // At the hand-over: the plot is in el, drawn (or being drawn) by the first view.
    claim.then((adopted) => {
      gd = adopted.gd;
      return Promise.all([plotly(model), adopted.drawn]);
    }).then(([library, ok]) => {
      start(library);
      if (ok) {
        drawn = 1;
        gd.dataset.sopDrawn = String(drawn);
        if (dirty) redraw();
      } else {
        redraw();
      }
    }, fail);
  };
  const alone = () => {
    own();
    plotly(model).then((library) => {
      start(library);
      redraw();
    }, fail);
  };
  if (claim) {
    adopt(claim);
  } else if (first && first.pending && first.pending()) {
    // The first view's plot of this chart may come with a later figure (a static page opened
    // in Chinese: the live page starts in English and relabels): wait for it until the hand-over.
    const stop = () => {
      model.off("change:figure", retry);
      document.removeEventListener("sopkit-live", live);
    };
    const retry = () => {
      const again = first.claim(model.get("figure"), el);
      if (!again) return;
      stop();
      dirty = false;  // the figure is the one the first view drew
      adopt(again);
    };
    const live = () => { stop(); alone(); };
    model.on("change:figure", retry);
    document.addEventListener("sopkit-live", live);
  } else {
    alone();
  }

  return () => {
    model.off("change:figure", redraw);
    observer.disconnect();
    if (Plotly && gd) Plotly.purge(gd);
  };
}

export default { render };
