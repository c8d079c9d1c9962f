/* sopkit's Pyodide loader for the static edition (issue 20): a returning visitor's Python starts
 * from a memory snapshot this browser kept, not from scratch.
 *
 * The pyodide-kernel worker loads this script in place of pyodide.js (`pyodideUrl` in
 * jupyter-lite.json, with importScripts: the worker's `.mjs` branch is broken in
 * jupyterlite-pyodide-kernel 0.6.1, a webpack context that finds no module) and calls the
 * `loadPyodide` it defines with `{indexURL, ...loadPyodideOptions}`.
 *
 * - The packages (`packages`, with what they depend on, from the lock) are fetched and unpacked
 *   here, not by Pyodide: every file with its time from the wheel, every compiled library
 *   (`.so`) loaded in one order before Python starts. So the libraries sit at the same addresses
 *   in every run, and a snapshot of the heap taken in one run is valid in the next.
 * - First visit: Python starts as usual, imports and warms what the pages use (`sopkit.warm`),
 *   and the heap is copied; once the page has had time to become live, the copy is compressed
 *   and kept in this browser (IndexedDB, one entry).
 * - Returning visit: the heap is restored from that copy: Python, pandas, IPython and sopkit are
 *   imported already. A copy made from other files (a new build: the lock's hashes differ) is not
 *   used; a copy that fails to restore or to pass a check is deleted, and Python starts as usual.
 *
 * Pyodide's own snapshot API is experimental (`_makeSnapshot`, `_loadSnapshot`) and knows nothing
 * of compiled libraries; the fixed load order is the same idea as Cloudflare's Python Workers.
 * `"off": true` in `loadPyodideOptions.sopkit` (jupyter-lite.json, copied into each page) turns
 * the snapshot off for a site; the browser's "clear site data" drops a visitor's copy.
 */
(function () {
"use strict";
const FORMAT = 2; // changes when what a snapshot holds changes (2: modules imported from bytecode)
const DB = { name: "sopkit-python", store: "snapshots", key: "kernel" };
const STORE_DELAY_MS = 20000; // compress and keep the copy after the page is live, not during
const STORE_WAIT_MS = 3000;
const log = (...args) => console.info("[sopkit python]", ...args);

let loadPlain = null;

async function loadPyodide(options) {
  const { sopkit: plan = {}, packages = [], ...config } = options;
  if (!loadPlain) {
    // Pyodide's own loader (pyodide.js) defines loadPyodide too: kept, and this one put back.
    globalThis.importScripts(config.indexURL + "pyodide.js");
    loadPlain = globalThis.loadPyodide;
    globalThis.loadPyodide = loadPyodide;
    try { globalThis.importScripts(config.indexURL + "fflate.js"); } catch (error) { console.warn("[sopkit python] no fflate.js:", error); }
  }
  const started = performance.now(), marks = [];
  const mark = (what) => marks.push(`${what} ${((performance.now() - started) / 1000).toFixed(2)}`);
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(2)} s (${marks.join(", ")})`;
  // Python's WebAssembly (10 MB) compiles while the lock and the wheels come and are unzipped.
  const core = compileCore(config.indexURL);
  const lock = await (await fetch(config.indexURL + "pyodide-lock.json")).json();
  const wheels = closure(lock, packages);
  const off = plan.off || snapshotsOff();
  const store = off ? null : globalThis.sopkitSnapshotStore || openStore();
  // What the copy was made from: the same files and the same warming, or it is not used.
  const key = JSON.stringify([FORMAT, lock.info.version, plan.warm || "", wheels.map((w) => w.sha256)]);

  // A browser whose storage does not answer (another tab holding it, a broken profile) gets a
  // fresh start, not a page that waits.
  const kept = store ? await Promise.race([store.get(key).catch(() => null), wait(STORE_WAIT_MS, null)]) : null;
  // The kept copy is read and unpacked while the wheels come (from the browser's cache).
  const restoring = kept ? decompress(kept.bytes).then((bytes) => { mark("decompressed"); return bytes; }) : null;
  if (restoring) { restoring.catch(() => {}); } // handled below, once the wheels are in: not an unhandled rejection now
  const files = await unpackAll(config.indexURL, wheels, mark);
  if (restoring) {
    try {
      const py = await start(config, files, await restoring, mark, await core);
      py.runPython(plan.check || "import sys");
      py.runPython("import random as _r; _r.seed(); del _r"); // not the seed every visitor's copy had
      markLoaded(py, wheels);
      log(`restored from this browser's snapshot in ${seconds()}`);
      globalThis.sopkitPythonStart = "snapshot";
      return py;
    } catch (error) {
      console.warn("[sopkit python] the kept snapshot did not restore; starting afresh:", error);
      await store.clear().catch(() => {});
    }
  }
  const py = await start(config, files, null, mark, await core);
  globalThis.sopkitPythonStart = "fresh";
  let bytes = null, warmed = true;
  if (plan.warm) {
    try { py.runPython(plan.warm); mark("warmed"); } catch (error) { warmed = false; console.warn("[sopkit python] not warmed, no snapshot:", error); }
  }
  if (store && warmed) {
    try { bytes = snapshot(py); } catch (error) { console.warn("[sopkit python] no snapshot kept:", error.message); }
  }
  markLoaded(py, wheels);
  log(`started afresh in ${seconds()}`);
  if (bytes) {
    setTimeout(() => {
      store.put(key, bytes)
        .then((size) => log(`snapshot kept for the next visit (${(size / 1e6).toFixed(1)} MB)`))
        .catch((error) => console.warn("[sopkit python] snapshot not kept:", error));
    }, plan.storeDelayMs ?? STORE_DELAY_MS);
  }
  return py;
}

// ---- packages: the lock's closure, fetched and unpacked ---------------------------------------

function closure(lock, names) {
  const seen = new Set(), order = [];
  const visit = (name) => {
    const key = name.toLowerCase().replace(/[-_.]+/g, "-");
    if (seen.has(key)) { return; }
    seen.add(key);
    const entry = lock.packages[key];
    if (!entry) { throw new Error(`package ${name} is not in pyodide-lock.json`); }
    entry.depends.forEach(visit);
    order.push(entry);
  };
  names.forEach(visit);
  return order;
}

async function unpackAll(indexURL, wheels, mark) {
  // Each wheel unzipped as it arrives, while the others come.
  const unpacked = await Promise.all(wheels.map(async (wheel) => {
    const response = await fetch(indexURL + wheel.file_name, { integrity: "sha256-" + base64(hex(wheel.sha256)) });
    if (!response.ok) { throw new Error(`${wheel.file_name}: HTTP ${response.status}`); }
    const root = wheel.install_dir === "stdlib" ? "/lib/python3.12/" : "/lib/python3.12/site-packages/";
    return (await unzip(await response.arrayBuffer())).map((entry) => ({ path: root + entry.name, data: entry.data, time: entry.time }));
  }));
  mark("unzipped");
  return unpacked.flat();
}

/** A wheel's files: name, bytes (stored or deflated) and the time the zip gives each. */
async function unzip(buffer) {
  const bytes = new Uint8Array(buffer), view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) { end--; }
  if (end < 0) { throw new Error("not a zip file"); }
  const count = view.getUint16(end + 10, true), names = new TextDecoder();
  // fflate (shipped beside this file) inflates a wheel's thousands of small files 10x faster
  // than a DecompressionStream each.
  const inflate = globalThis.fflate ? globalThis.fflate.inflateSync : null;
  let at = view.getUint32(end + 16, true);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) { throw new Error("broken zip directory"); }
    const method = view.getUint16(at + 10, true), time = view.getUint16(at + 12, true), date = view.getUint16(at + 14, true);
    const size = view.getUint32(at + 20, true), unpacked = view.getUint32(at + 24, true), nameLength = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (name.endsWith("/")) { continue; }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    let data = bytes.subarray(start, start + size);
    if (method === 8 && inflate) {
      data = inflate(data, { out: new Uint8Array(unpacked) });
    } else if (method === 8) {
      data = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).arrayBuffer());
    } else if (method !== 0) { throw new Error(`${name}: zip method ${method}`); }
    const when = Date.UTC(1980 + (date >> 9), ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2);
    entries.push({ name, data, time: when });
  }
  return entries;
}

// ---- Python: started with the files in place and the libraries loaded, maybe from a snapshot ---

function compileCore(indexURL) {
  const url = indexURL + "pyodide.asm.wasm";
  return WebAssembly.compileStreaming(fetch(url))
    .catch(() => fetch(url).then((response) => response.arrayBuffer()).then((bytes) => WebAssembly.compile(bytes)))
    .catch((error) => { console.warn("[sopkit python] Pyodide compiles its own WebAssembly:", error); return null; });
}

async function start(config, files, kept, mark, compiled) {
  const script = config.indexURL + "pyodide.asm.js";
  if (!globalThis.sopkitCreatePyodideModule) {
    if (typeof globalThis._createPyodideModule !== "function") { globalThis.importScripts(script); }
    globalThis.sopkitCreatePyodideModule = globalThis._createPyodideModule;
  }
  const create = globalThis.sopkitCreatePyodideModule;
  let module = null;
  globalThis._createPyodideModule = (settings) => {
    settings.preRun.push(placeFiles(files, mark));
    if (compiled) {
      settings.instantiateWasm = (imports, receive) => {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), (error) => console.error("[sopkit python] WebAssembly not instantiated:", error));
        return {};
      };
    }
    return create(settings).then((Module) => {
      module = Module;
      mark("module");
      // Python's reference 6 is pyodide.loadedPackages (Pyodide expects an empty object there):
      // the live object, in the run that makes a snapshot and in the one that restores it.
      const API = Module.API, expected = API.getExpectedKeys;
      API.getExpectedKeys = () => { const keys = expected(); if (API.public_api) { keys[6] = API.public_api.loadedPackages; } return keys; };
      return Module;
    });
  };
  const options = { ...config, packages: [] };
  // Python's other references to JS objects in a snapshot: members of pyodide's API, by name.
  options._snapshotDeserializer = (name) => (name === "" ? module.API.public_api : module.API.public_api[name]);
  if (kept) { options._loadSnapshot = kept; }
  const py = await loadPlain(options);
  mark("python");
  py.sopkitModule = module;
  return py;
}

function placeFiles(files, mark) {
  return (Module) => {
    Module.addRunDependency("sopkit-packages");
    (async () => {
      const FS = Module.FS, libraries = [];
      for (const file of files) {
        FS.mkdirTree(file.path.slice(0, file.path.lastIndexOf("/")));
        FS.writeFile(file.path, file.data);
        FS.utime(file.path, file.time, file.time);
        if (file.path.endsWith(".so")) { libraries.push(file.path); }
      }
      libraries.sort();
      mark("files");
      const fs = { findObject: (path) => FS.findObject(path), readFile: (path) => FS.readFile(path) };
      for (const path of libraries) {
        // As Pyodide's own loader does (loadDynlib), so that Python's imports find them loaded.
        await Module.loadDynamicLibrary(path, { loadAsync: true, nodelete: true, allowUndefined: true, global: false, fs }, {});
        const name = path.slice(path.lastIndexOf("/") + 1);
        Module.LDSO.loadedLibsByName[name] ||= Module.LDSO.loadedLibsByName[path];
      }
      Module.sopkitLibraries = new Set(Object.keys(Module.LDSO.loadedLibsByName));
      mark("libraries");
    })().then(() => Module.removeRunDependency("sopkit-packages"), (error) => {
      console.error("[sopkit python] packages not placed:", error);
      Module.removeRunDependency("sopkit-packages");
    });
  };
}

function markLoaded(py, wheels) {
  for (const wheel of wheels) { py.loadedPackages[wheel.name] = "default channel"; }
}

function snapshot(py) {
  const Module = py.sopkitModule, API = py._api;
  const late = Object.keys(Module.LDSO.loadedLibsByName).filter((name) => !Module.sopkitLibraries.has(name));
  if (late.length) { throw new Error("libraries loaded after start: " + late.join(", ")); }
  API.config._makeSnapshot = true;
  try {
    return py.makeMemorySnapshot({
      serializer: (value) => {
        const api = API.public_api;
        if (value === api) { return ""; }
        for (const name of Object.getOwnPropertyNames(api)) { if (api[name] === value) { return name; } }
        throw new Error("Python holds a JS object a snapshot cannot keep");
      },
    });
  } finally {
    API.config._makeSnapshot = false;
  }
}

// ---- keeping the snapshot: gzip in IndexedDB (any origin, also plain http on a LAN) -------------

function snapshotsOff() {
  if (globalThis.sopkitSnapshotStore) { return false; }
  // A phone with little memory is spared the copy (~90 MB while it is compressed).
  const memory = globalThis.navigator && globalThis.navigator.deviceMemory;
  return typeof indexedDB === "undefined" || typeof CompressionStream === "undefined" || (memory && memory < 2);
}

function openStore() {
  const open = () => new Promise((resolve, reject) => {
    const request = indexedDB.open(DB.name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(DB.store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const run = (mode, work) => open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(DB.store, mode), result = work(tx.objectStore(DB.store));
    tx.oncomplete = () => { db.close(); resolve(result.result); };
    tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
  }));
  return {
    async get(key) {
      const entry = await run("readonly", (store) => store.get(DB.key));
      return entry && entry.key === key ? entry : null;
    },
    async put(key, bytes) {
      const blob = await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).blob();
      await run("readwrite", (store) => store.put({ key, bytes: blob, size: bytes.length }, DB.key));
      return blob.size;
    },
    clear() { return run("readwrite", (store) => store.delete(DB.key)); },
  };
}

async function decompress(blob) {
  return new Uint8Array(await new Response(blob.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

function wait(ms, value) { return new Promise((resolve) => setTimeout(() => resolve(value), ms)); }
function hex(text) { return Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16)); }
function base64(bytes) { return btoa(String.fromCharCode(...bytes)); }

globalThis.loadPyodide = loadPyodide;
globalThis.sopkitPyodide = { loadPyodide, unzip };
})();
