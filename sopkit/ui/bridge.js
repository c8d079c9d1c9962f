// The front end of sopkit's bridge widget (sopkit/ui/bridge.py), loaded by anywidget: the one
// channel between a page and the browser, in the served pages and the static edition alike.
//
// - hello: when the page opens, its address and the uploads this browser kept for it go to
//   the kernel, repeated (a few times) until the page says it has heard them. Until then the
//   address is left alone: it may hold a link's view the page has not applied yet.
// - the view: the address bar, <html lang> and the title follow the page's view; the view is
//   kept in the browser's storage too, for a reload that lost its address.
// - files become downloads, scroll requests scroll; uploads are kept or forgotten on request.
// - an Excel link (an inline handler, see sopkit/ui/common.py) raises "sopkit-request" on its
//   page; the request goes to the kernel.

const RETRY_MS = 2000, MAX_TRIES = 5, MAX_HREF = 30000;

function bytesOf(buffer) {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function save(name, mime, buffer) {
  const url = URL.createObjectURL(new Blob([bytesOf(buffer)], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function scrollTo(css) {
  // After the message the page is showing has been laid out.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const el = document.querySelector(css);
    if (el) el.scrollIntoView({ block: "nearest" });
  }));
}

function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text), bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// The page's slot in the browser's storage: {view, uploads: {slot: {name, meta, data}}}. first_view.js
// reads it before any widget exists, with the same key.
function storeKey(model) { return "sopkit:" + location.pathname + ":" + model.get("page"); }
function readStore(model) {
  try { return JSON.parse(localStorage.getItem(storeKey(model)) || "{}") || {}; } catch (e) { return {}; }
}
function writeStore(model, store) {
  try { localStorage.setItem(storeKey(model), JSON.stringify(store)); return true; } catch (e) { return false; }
}

function isPage() { return document.body && document.body.getAttribute("data-voila") === "voila"; }

function reloaded() {
  const nav = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  return !!nav && (nav.type === "reload" || nav.type === "back_forward");
}

function mirror(model) {
  if (!model.get("heard") || !isPage()) return;  // the page has not read its address yet
  const view = model.get("view"), lang = model.get("lang"), title = model.get("title");
  const url = new URL(location.href);
  const search = view ? "?" + view : "";
  if (url.search !== search) {
    url.search = search;
    history.replaceState(history.state, "", url.toString());
  }
  const htmlLang = lang === "zh" ? "zh-Hans" : lang;
  if (document.documentElement.lang !== htmlLang) document.documentElement.lang = htmlLang;
  if (title && document.title !== title) document.title = title;
  const store = readStore(model);
  if (store.view !== view) { store.view = view; writeStore(model, store); }
}

function hello(model, n) {
  const store = readStore(model), uploads = [], buffers = [];
  for (const [slot, kept] of Object.entries(store.uploads || {})) {
    try { buffers.push(fromBase64(kept.data)); } catch (e) { continue; }
    uploads.push({ slot, name: String(kept.name), meta: kept.meta || {} });
  }
  const content = { type: "hello", n, href: String(location.href).slice(0, MAX_HREF), uploads };
  // A reload whose address lost its view (none in it): the view this page showed last.
  if (location.search.length <= 1 && reloaded() && store.view) content.view = String(store.view);
  model.send(content, undefined, buffers);
}

// Hello goes when the bridge is first shown, not when its model is made: the page's other widget
// models are made from one snapshot of their state, and a model made after the kernel answered a
// hello would miss the answer (on a slow link, the uploads brought back were shown nowhere). The
// bridge is shown inside the page's box, whose model is made after every widget model in it.
const greeted = new WeakSet();
function greet(model) {
  if (greeted.has(model)) return;
  greeted.add(model);
  let tries = 0;
  const timer = setInterval(() => {
    if (model.get("heard") || tries >= MAX_TRIES) { clearInterval(timer); return; }
    tries += 1;
    hello(model, tries);
  }, RETRY_MS);
  setTimeout(() => { if (!model.get("heard")) { tries += 1; hello(model, tries); } }, 0);
}

export default {
  initialize({ model }) {
    for (const name of ["view", "lang", "title", "heard"]) model.on("change:" + name, () => mirror(model));
    mirror(model);
    model.on("msg:custom", (msg, buffers) => {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "file" && buffers && buffers.length) save(String(msg.name), String(msg.mime), buffers[0]);
      else if (msg.type === "scroll") scrollTo(String(msg.css));
      else if (msg.type === "keep" && buffers && buffers.length) {
        const store = readStore(model);
        store.uploads = store.uploads || {};
        store.uploads[String(msg.slot)] = { name: String(msg.name), meta: msg.meta || {}, data: toBase64(bytesOf(buffers[0])) };
        if (!writeStore(model, store)) { delete store.uploads[String(msg.slot)]; }
      } else if (msg.type === "forget") {
        const store = readStore(model);
        if (store.uploads) { delete store.uploads[String(msg.slot)]; writeStore(model, store); }
      }
    });
  },
  render({ model, el }) {
    greet(model);
    el.hidden = true;
    el.classList.add("sop-bridge");
    const show = () => el.setAttribute("data-sop-view", model.get("view"));
    show();
    model.on("change:view", show);
    const onRequest = (event) => {
      const page = el.closest(".sop-page");
      if (!page || !event.target || !page.contains(event.target) || !event.detail) return;
      if (event.detail.type === "xlsx") model.send({ type: "xlsx", name: String(event.detail.name).slice(0, 200) });
    };
    document.addEventListener("sopkit-request", onRequest);
    return () => document.removeEventListener("sopkit-request", onRequest);
  },
};
