/* The first view of a page (sopkit/ui/first_view.py), run where the page's HTML has it: right
 * after the snapshot of the page's widgets and its charts' figures.
 *
 * - Shows the snapshot at once (in place of Voila's loading screen) when it is the view the
 *   address asks for; else removes it (the kernel applies the address once the page is live).
 * - Draws its charts with plotly.js as soon as the page has it (the template loads it early),
 *   one at a time, visible ones first.
 * - Records what the visitor chooses on it (a discreet bilingual note says the page is starting)
 *   and applies it to the live controls when the page is live: no click is lost.
 * - Hands over: the live page renders hidden underneath; once it is complete, in one step each
 *   live chart adopts the plot drawn here (sopkit/ui/chart.js claims it: no chart drawn twice),
 *   the tables opened here are opened there, the snapshot goes and the live page shows.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var output = script && script.parentElement;
  var root = output && output.querySelector("[data-sop-first-view]");
  if (!root) { return; }
  var info = JSON.parse(root.getAttribute("data-sop-first-view"));
  // The static edition's build wraps each snapshot (one per language) in .sop-first-view-wrapper.
  var child = output.closest(".sop-first-view-wrapper") || output.closest(".jp-OutputArea-child") || output;
  var figures = Array.prototype.map.call(output.querySelectorAll("script.sop-first-figure"), function (s) { return s.textContent; });
  var plots = Array.prototype.slice.call(root.querySelectorAll(".sop-first-plot"));
  var LIVE_WAIT_MS = 10000;  // a live page that never completes (a widget that failed) takes over anyway
  var CLAIM_WAIT_MS = 2000;  // a complete live page whose charts do not all adopt a plot drawn here
  var state = { done: false, liveSince: 0, readySince: 0, scrollY: 0, scrollMoved: false, timer: null };

  function drop() { if (child.parentNode) { child.parentNode.removeChild(child); } }

  // ---- the view: the snapshot's, or another one the address (or this browser) asks for -----------
  function params(query) {
    var out = {};
    new URLSearchParams(query || "").forEach(function (value, key) {
      if (key !== "template" && key !== "theme") { out[key] = value; }  // server settings, stripped
    });
    return out;
  }
  function reloaded() {
    var nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    return !!nav && (nav.type === "reload" || nav.type === "back_forward");
  }
  function matches() {
    var asked = params(location.search), shown = params(info.view);
    for (var key in asked) { if (shown[key] !== asked[key]) { return false; } }
    for (var need in info.address || {}) { if (asked[need] !== info.address[need]) { return false; } }
    var store = {};  // what the page's bridge keeps for this page (its key: storeKey in bridge.js): a view, uploads
    try { store = JSON.parse(localStorage.getItem("sopkit:" + location.pathname + ":" + info.page) || "{}") || {}; } catch (e) { store = {}; }
    if (store.uploads && Object.keys(store.uploads).length) { return false; }
    if (location.search.length <= 1 && reloaded() && store.view && store.view !== info.view) { return false; }
    return true;
  }
  if (window.sopkitFirstView || !matches()) { drop(); return; }  // another snapshot is shown

  // ---- shown at once -------------------------------------------------------------------------
  child.classList.add("sop-first-view-child");
  document.body.classList.add("sop-first-view-on");
  // The page's language and title, as the live page will set them (bridge.js): screen readers,
  // fonts and the tab read the snapshot's language from the first paint.
  document.documentElement.lang = info.lang === "zh" ? "zh-Hans" : info.lang;
  if (info.title) { document.title = info.title; }
  var cells = document.getElementById("rendered_cells");
  var loading = document.getElementById("loading");
  if (cells) { cells.style.display = ""; }
  if (loading) { loading.style.display = "none"; }
  var status = document.createElement("div");
  status.className = "sop-first-view-status";
  status.setAttribute("role", "status");
  status.textContent = info.texts.starting;
  document.body.appendChild(status);
  function say(text) { status.textContent = text; status.classList.add("sop-first-view-wait"); }
  window.addEventListener("scroll", function () { state.scrollY = window.scrollY; }, { passive: true });

  // ---- charts --------------------------------------------------------------------------------
  function library() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    var tag = document.getElementById("sop-plotly");
    if (!tag || tag.dataset.failed) { return Promise.reject(new Error("no plotly.js in the page")); }
    return new Promise(function (resolve, reject) {
      tag.addEventListener("load", function () { return window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")); });
      tag.addEventListener("error", reject);
    });
  }
  function onScreen(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }
  plots.forEach(function (gd) {
    gd.__sopFirstDrawn = new Promise(function (resolve) { gd.__sopResolve = resolve; });
  });
  function drawNext(Plotly) {
    var pending = plots.filter(function (gd) { return !gd.__sopStarted; });
    if (!pending.length) { return; }
    var gd = pending.filter(onScreen)[0] || pending[0];
    gd.__sopStarted = true;
    var spec = JSON.parse(figures[Number(gd.getAttribute("data-sop-figure"))]);
    var layout = Object.assign({}, spec.layout || {});
    if (!layout.height) { layout.height = 360; }  // as chart.js draws it
    var next = function () { requestAnimationFrame(function () { setTimeout(function () { drawNext(Plotly); }, 0); }); };
    performance.mark("sop-draw-start");
    Plotly.newPlot(gd, spec.data, layout, spec.config || {}).then(function () {
      performance.mark("sop-drawn");
      gd.dataset.sopDrawn = "1";
      gd.__sopResolve(true);
      next();
    }, function (error) {
      console.error("sopkit first view:", error);
      gd.__sopResolve(false);
      next();
    });
  }
  performance.mark("sop-first-view-shown");
  library().then(function (Plotly) { performance.mark("sop-plotly-ready"); drawNext(Plotly); }, function () { plots.forEach(function (gd) { gd.__sopResolve(false); }); });

  // ---- choices made before the page is live ----------------------------------------------------
  var intents = [];
  function pathOf(el) {
    var node = el && el.closest ? el.closest("[data-sop-path]") : null;
    return node ? node.getAttribute("data-sop-path") : null;
  }
  function record(intent) {
    if (intent.path === null) { return; }
    if (intent.kind !== "toggle" && intent.kind !== "click" && intent.kind !== "css") {
      intents = intents.filter(function (x) { return !(x.path === intent.path && x.kind === intent.kind); });
    }
    intents.push(intent);
    say(info.texts.wait);
  }
  root.addEventListener("change", function (event) {
    var el = event.target, path = pathOf(el);
    if (el.tagName === "SELECT") { record({ path: path, kind: "select", index: el.selectedIndex }); }
    else if (el.type === "checkbox") { record({ path: path, kind: "checkbox", checked: el.checked }); }
    else if (el.type === "text") { record({ path: path, kind: "text", value: el.value }); }
  }, true);
  root.addEventListener("input", function (event) {
    if (event.target.type === "text") { record({ path: pathOf(event.target), kind: "text", value: event.target.value }); }
  }, true);
  root.addEventListener("click", function (event) {
    var el = event.target && event.target.closest ? event.target : null;
    if (!el) { return; }
    var toggle = el.closest(".widget-toggle-button");
    if (toggle) {
      var group = toggle.parentElement;
      record({ path: pathOf(toggle), kind: "toggle", index: Array.prototype.indexOf.call(group.children, toggle) });
      Array.prototype.forEach.call(group.children, function (b) { b.classList.toggle("mod-active", b === toggle); });
      return;
    }
    if (el.closest(".widget-upload")) { event.preventDefault(); say(info.texts.upload); return; }  // a file cannot be carried over
    var button = el.closest(".widget-button");
    if (button) { record({ path: pathOf(button), kind: "click" }); return; }
    var request = el.closest("[data-sop-download]");  // an Excel link: the kernel makes the file
    if (request) {
      event.preventDefault();
      event.stopPropagation();
      record({ path: pathOf(request), kind: "css", css: '[data-sop-download="' + CSS.escape(request.getAttribute("data-sop-download")) + '"]' });
    }
  }, true);

  function find(page, path) {
    var el = page;
    (path ? path.split(".") : []).forEach(function (i) { el = el ? el.children[Number(i)] : null; });
    return el || null;
  }
  function apply(page, intent) {
    var el = find(page, intent.path);
    if (!el) { return; }
    if (intent.kind === "select") {
      var select = el.querySelector("select");
      if (select && select.selectedIndex !== intent.index) {
        select.selectedIndex = intent.index;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (intent.kind === "checkbox") {
      var box = el.querySelector("input[type=checkbox]");
      if (box && box.checked !== intent.checked) { box.click(); }
    } else if (intent.kind === "text") {
      var input = el.querySelector("input");
      if (input) {
        input.value = intent.value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (intent.kind === "toggle") {
      var buttons = el.querySelectorAll("button");
      if (buttons[intent.index]) { buttons[intent.index].click(); }
    } else if (intent.kind === "click") {
      el.click();
    } else if (intent.kind === "css") {
      var target = el.querySelector(intent.css);
      if (target) { target.click(); }
    }
  }

  // ---- the hand-over ----------------------------------------------------------------------------
  var claims = [];
  var normal = {};
  function figureText(i) {
    if (!(i in normal)) { normal[i] = JSON.stringify(JSON.parse(figures[i])); }
    return normal[i];
  }
  window.sopkitFirstView = {
    // A live chart (chart.js) asks for the plot drawn here of its figure: a promise of
    // {gd, drawn} at the hand-over, the plot then in *el*; null when there is none.
    claim: function (figure, el) {
      if (state.done || !figure || !figure.data) { return null; }
      var text = JSON.stringify(figure);
      for (var i = 0; i < plots.length; i++) {
        var gd = plots[i];
        if (gd.__sopClaimed || figureText(Number(gd.getAttribute("data-sop-figure"))) !== text) { continue; }
        gd.__sopClaimed = true;
        return new Promise(function (resolve) { claims.push({ gd: gd, el: el, resolve: resolve }); });
      }
      return null;
    },
    intents: function () { return intents.slice(); },
    // Before the hand-over: a live chart whose figure has no plot here yet may get one with
    // its next figure (a static page opened in Chinese relabels once Python hears the address).
    pending: function () { return !state.done; },
  };

  function livePage() {
    var pages = document.querySelectorAll(".sop-page");
    for (var i = 0; i < pages.length; i++) { if (!pages[i].classList.contains("sop-first-view")) { return pages[i]; } }
    return null;
  }
  function complete(page) {
    // A Box's children still being made are empty Lumino placeholders (ipywidgets' BoxView);
    // a chart is ready once chart.js has rendered it (and claimed its plot).
    var all = page.querySelectorAll(".lm-Widget");
    for (var i = 0; i < all.length; i++) {
      if (all[i].className === "lm-Widget" && !all[i].firstChild) { return false; }
    }
    var charts = page.querySelectorAll(".sop-chart");
    for (var j = 0; j < charts.length; j++) { if (!charts[j].dataset.sopReady) { return false; } }
    // ... and in the snapshot's language (the static edition's live page starts in English and
    // switches when it has read the address).
    var marker = page.querySelector("[data-sop-lang]");
    return !marker || marker.getAttribute("data-sop-lang") === info.lang;
  }
  function claimed() {
    for (var i = 0; i < plots.length; i++) { if (!plots[i].__sopClaimed) { return false; } }
    return true;
  }
  function handOver(page) {
    state.done = true;
    clearInterval(state.timer);
    claims.forEach(function (c) { c.el.appendChild(c.gd); });
    // Tables opened on the snapshot stay open.
    Array.prototype.forEach.call(root.querySelectorAll(".widget-html[data-sop-path]"), function (widget) {
      var opened = widget.querySelectorAll("details");
      var live = find(page, widget.getAttribute("data-sop-path"));
      var there = live ? live.querySelectorAll("details") : [];
      for (var k = 0; k < opened.length && k < there.length; k++) { if (opened[k].open) { there[k].open = true; } }
    });
    var focused = document.activeElement && root.contains(document.activeElement) ? find(page, pathOf(document.activeElement)) : null;
    drop();
    document.body.classList.remove("sop-first-view-on");
    status.parentNode && status.parentNode.removeChild(status);
    window.__sopLiveAt = performance.now();  // benchmarks read it
    claims.forEach(function (c) { c.resolve({ gd: c.gd, drawn: c.gd.__sopFirstDrawn }); });
    if (focused) {
      var target = focused.matches("button, select, input") ? focused : focused.querySelector("button, select, input");
      if (target) { target.focus(); }
    }
    intents.forEach(function (intent) { apply(page, intent); });
    document.dispatchEvent(new CustomEvent("sopkit-live", { detail: { intents: intents.length } }));
  }
  function check() {
    if (state.done) { return; }
    // Voila's front end makes #rendered_cells the scroller: it keeps the place the visitor scrolled to.
    if (!state.scrollMoved && cells && cells.classList.contains("lm-Widget")) {
      state.scrollMoved = true;
      if (state.scrollY) { cells.scrollTop = state.scrollY; }
    }
    var page = livePage();
    if (!page) { return; }
    state.liveSince = state.liveSince || Date.now();
    if (complete(page)) { state.readySince = state.readySince || Date.now(); }
    var ready = state.readySince && (claimed() || Date.now() - state.readySince > CLAIM_WAIT_MS);
    if (ready || Date.now() - state.liveSince > LIVE_WAIT_MS) { handOver(page); }
  }
  state.timer = setInterval(check, 50);
})();
