/* sopkit page sentinel: the visitor never sees a dead page without being told.
 *
 * - Watches the page's kernel websocket. When the server closes it on purpose (close codes
 *   4001-4099: kernel stopped, over its memory limit, replaced by a newer page of the same
 *   browser) or it stays closed (kernel culled, server restarted, network gone), a short
 *   bilingual notice with a reload button replaces the dead controls.
 * - Registers the page-unload beacon as soon as the kernel id is in the page (Voila's own
 *   front end registers it only once its widget manager has started).
 * - Copies the link to the view (the page's bridge widget keeps the view in the address),
 *   prints, and scales charts to the paper's width.
 * - Refuses files larger than the upload limit before they are sent.
 */
(function () {
  "use strict";
  if (window.sopkitSentinel) { return; }
  var REOPEN_GRACE_MS = 8000;
  var REASONS = {
    4001: ["The page's session on the server has ended.", "此页面在服务器上的会话已结束。"],
    4002: ["The page used too much memory on the server and was stopped.", "此页面在服务器上占用内存过多，已被停止。"],
    4003: ["You opened this workbook in too many tabs; this older tab was closed.", "您在过多的标签页中打开了本工作簿；较早的此标签页已关闭。"],
    lost: ["The connection to the workbook was lost.", "与工作簿的连接已断开。"],
    timeout: ["The page took too long to prepare.", "页面准备时间过长。"],
    widget: ["Part of the page could not be shown.", "页面的一部分无法显示。"]
  };
  var state = { shown: false, reopenTimer: null, everOpened: false, owned: null };

  function lang() {
    var marker = document.querySelector("[data-sop-lang]");
    return marker ? marker.getAttribute("data-sop-lang") : (document.documentElement.lang || "en");
  }

  function notice(reason) {
    if (state.shown) { return; }
    state.shown = true;
    var why = REASONS[reason] || REASONS.lost;
    var zhFirst = lang().indexOf("zh") === 0;
    var box = document.createElement("aside");  // a landmark of its own, outside the (inert) page
    box.className = "sop-reload-notice";
    box.setAttribute("aria-label", zhFirst ? "连接 / Connection" : "Connection / 连接");
    box.setAttribute("data-reason", String(reason));
    // What the visitor made comes back: the view and mapping are in the address, uploads in
    // this browser's storage (sopkit/ui/bridge.js).
    var en = "<p lang=\"en\"><b>" + why[0] + "</b> Reload the page to continue: your view, your mapping and your uploads come back.</p>";
    var zh = "<p lang=\"zh\"><b>" + why[1] + "</b>请重新加载页面以继续：您的视图、对应关系和上传内容都会恢复。</p>";
    box.innerHTML = "<div role=\"alert\">" + (zhFirst ? zh + en : en + zh) + "</div>" +
      "<button type=\"button\" class=\"sop-reload\">" + (zhFirst ? "重新加载 / Reload" : "Reload / 重新加载") + "</button>";
    box.querySelector("button").addEventListener("click", function () { window.location.reload(); });
    document.body.insertBefore(box, document.body.firstChild);
    document.body.classList.add("sop-dead");
    var cells = document.getElementById("rendered_cells");
    var loading = document.getElementById("loading");
    if (loading) { loading.style.display = "none"; }
    if (cells) {
      // Controls that no longer reach a kernel must not look alive; a page whose widgets never
      // rendered would show Python reprs of widgets: hide it altogether.
      if (document.querySelector(".sop-page")) { cells.setAttribute("inert", ""); } else { cells.style.display = "none"; }
    }
    box.querySelector("button").focus();
  }

  function isKernelSocket(url) { return /\/api\/kernels\/[^/]+\/channels/.test(String(url)); }

  function watch(ws) {
    ws.addEventListener("open", function () {
      state.everOpened = true;
      if (state.reopenTimer) { clearTimeout(state.reopenTimer); state.reopenTimer = null; }
    });
    ws.addEventListener("close", function (event) {
      if (event.code >= 4001 && event.code <= 4099) { notice(REASONS[event.code] ? event.code : "lost"); return; }
      // The front end reconnects by itself; if no socket reopens in time, the kernel is gone.
      if (!state.reopenTimer) { state.reopenTimer = setTimeout(function () { notice("lost"); }, REOPEN_GRACE_MS); }
    });
  }

  var NativeWebSocket = window.WebSocket;
  function SentinelWebSocket(url, protocols) {
    var ws = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    if (isKernelSocket(url)) { watch(ws); }
    return ws;
  }
  SentinelWebSocket.prototype = NativeWebSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { SentinelWebSocket[k] = NativeWebSocket[k]; });
  window.WebSocket = SentinelWebSocket;

  function own() {
    // Called right after the page config (with the kernel id) is in the document.
    var el = document.getElementById("jupyter-config-data");
    if (!el || state.owned) { return; }
    var config = JSON.parse(el.textContent);
    state.owned = config.kernelId;
    var url = config.baseUrl + "voila/api/shutdown/" + config.kernelId;
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon) { navigator.sendBeacon(url); }
    });
  }

  // The view travels in the address (a link reopens it), kept by the page's bridge widget
  // (sopkit/ui/bridge.js), which also keeps <title> and <html lang> in step: nothing to do here.

  // "Link to this view" copies the address (which follows the view); "Print" prints.
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  function copyLink(button) {
    var href = window.location.href;
    var status = button.parentElement ? button.parentElement.querySelector(".sop-copy-status") : null;
    function say(ok) {
      if (!status) { return; }
      status.textContent = button.getAttribute(ok ? "data-sop-copied" : "data-sop-copy-failed") || "";
      status.setAttribute("data-sop-copied-href", ok ? href : "");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(href).then(function () { say(true); }, function () { say(fallbackCopy(href)); });
    } else {
      say(fallbackCopy(href));
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target : null;
    if (!target) { return; }
    var copy = target.closest(".sop-copy-link");
    if (copy) { copyLink(copy); return; }
    if (target.closest(".sop-print")) { window.print(); }
  });

  // On paper, a chart wider than the page is scaled down to it (print CSS reads the factor);
  // the footer names the address of the view.
  var PRINT_WIDTH_PX = 660;  // A4 portrait within the print margins (186 mm ≈ 703 px), less a little
  function fitForPrint() {
    var plots = document.querySelectorAll(".sop-page .js-plotly-plot");
    for (var i = 0; i < plots.length; i++) {
      // The width plotly drew at (the svg's attribute), not the box's: that one is zoomed already.
      var svg = plots[i].querySelector(".main-svg");
      var width = svg ? parseFloat(svg.getAttribute("width")) || 0 : 0;
      var zoom = width > PRINT_WIDTH_PX ? (PRINT_WIDTH_PX / width).toFixed(3) : "1";
      if (plots[i].style.getPropertyValue("--sop-print-zoom") !== zoom) { plots[i].style.setProperty("--sop-print-zoom", zoom); }
    }
    var where = document.querySelectorAll(".sop-print-url");
    for (var j = 0; j < where.length; j++) {
      if (where[j].textContent !== window.location.href) { where[j].textContent = window.location.href; }
    }
  }
  // Only when printing (a pass per frame would force a layout per frame while charts draw):
  // the print dialog fires beforeprint; a print preview or PDF made with print media emulated
  // changes the media query instead.
  window.addEventListener("beforeprint", fitForPrint);
  var printMedia = window.matchMedia ? window.matchMedia("print") : null;
  if (printMedia && printMedia.addEventListener) {
    printMedia.addEventListener("change", function (event) { if (event.matches) { fitForPrint(); } });
  }

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    var marker = document.querySelector("[data-sop-lang]");
    if (!link || !marker) { return; }
    var url = new URL(link.getAttribute("href"), window.location.href);
    if (url.origin !== window.location.origin || url.pathname.indexOf("/voila/render/") < 0) { return; }
    url.searchParams.set("lang", marker.getAttribute("data-sop-lang"));
    link.setAttribute("href", url.toString());
  }, true);

  var LOADING = "Loading… / 加载中…";
  function sweep(root) {
    // Widget placeholders from the front end, in English only.
    var nodes = (root.querySelectorAll ? root.querySelectorAll(".jp-OutputArea-output") : []);
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].childElementCount > 0) { continue; }  // a rendered widget, not a bare placeholder
      var text = nodes[i].textContent;
      if (text === "Loading widget...") { nodes[i].textContent = LOADING; }
      else if (text.indexOf("Error displaying widget") === 0) { notice("widget"); }
    }
  }

  function fmtBytes(n) { return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.ceil(n / 1024) + " kB"; }

  // ipywidgets 8 keeps its <input type=file> out of the document, so a change on it cannot be
  // caught by a listener on the document: listen on every input as it is created (before the
  // widget's own listener), and remember which upload button the visitor used.
  var lastUpload = null;
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest(".widget-upload") : null;
    if (button) { lastUpload = button; }
  }, true);

  function checkSize(event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.files) { return; }
    var limitEl = document.querySelector("[data-sop-max-upload]");
    var limit = limitEl ? parseInt(limitEl.getAttribute("data-sop-max-upload"), 10) : 0;
    if (!limit) { return; }
    var big = Array.prototype.filter.call(input.files, function (f) { return f.size > limit; });
    if (!big.length) { return; }
    // Too large for the page: stop it here, before it is sent, and say so beside the control.
    event.stopImmediatePropagation();
    input.value = "";
    var host = lastUpload || document.querySelector(".widget-upload");
    if (!host) { return; }
    var msg = host.parentElement.querySelector(".sop-upload-too-large");
    if (!msg) {
      msg = document.createElement("div");
      msg.className = "sop-upload-too-large";
      msg.setAttribute("role", "alert");
      host.insertAdjacentElement("afterend", msg);
    }
    var f = big[0];
    var en = "\u201c" + f.name + "\u201d is " + fmtBytes(f.size) + ", larger than the " + fmtBytes(limit) + " a page accepts. Nothing was uploaded.";
    var zh = "\u201c" + f.name + "\u201d\u5927\u5c0f\u4e3a " + fmtBytes(f.size) + "\uff0c\u8d85\u8fc7\u9875\u9762\u53ef\u63a5\u53d7\u7684 " + fmtBytes(limit) + "\u3002\u672a\u4e0a\u4f20\u4efb\u4f55\u5185\u5bb9\u3002";
    msg.textContent = lang().indexOf("zh") === 0 ? zh + " / " + en : en + " / " + zh;
    msg.scrollIntoView({ block: "nearest" });
  }

  var nativeCreateElement = Document.prototype.createElement;
  Document.prototype.createElement = function (tag, options) {
    var el = nativeCreateElement.call(this, tag, options);
    if (String(tag).toLowerCase() === "input") { el.addEventListener("change", checkSize); }
    return el;
  };

  // One pass per animation frame at most, whatever the page does: plotly alone makes thousands
  // of DOM mutations per chart, and a pass per mutation slowed every chart and click down.
  var scheduled = false;
  function pass() {
    scheduled = false;
    sweep(document);
  }
  new MutationObserver(function () {
    if (!scheduled) { scheduled = true; window.requestAnimationFrame(pass); }
  }).observe(document, { subtree: true, childList: true });

  window.sopkitSentinel = { own: own, notice: notice };
})();
