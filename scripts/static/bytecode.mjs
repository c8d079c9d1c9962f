// Bytecode for the static edition (bytecode.py says why): starts the built site's Python in Node
// with sopkit's loader, as a page's kernel would (the same packages, no snapshot), and writes
// what the pages import, compiled, to a zip.
//   node bytecode.mjs SITE/static/pyodide OUT.zip '["micropip", ...]' 'import sopkit.warm; ...' '["overview", ...]'
import { readFileSync, writeFileSync } from "fs";
import { createRequire } from "module";
import { resolve } from "path";
import vm from "vm";

const [folder, out, packages, warm, pages] = process.argv.slice(2);
const dir = resolve(folder) + "/";
createRequire(import.meta.url)(dir + "pyodide.asm.js");
// The loader runs in a worker: local files for its fetches, importScripts for its scripts.
globalThis.fetch = async (url) => new Response(readFileSync(url));
const plain = (await import(dir + "pyodide.mjs")).loadPyodide;
globalThis.importScripts = (url) =>
  url.endsWith("/pyodide.js") ? (globalThis.loadPyodide = plain) : vm.runInThisContext(readFileSync(url, "utf8"), { filename: url });
globalThis.importScripts(dir + "sopkit-pyodide.js");
const py = await globalThis.loadPyodide({
  indexURL: dir,
  packages: JSON.parse(packages),
  sopkit: { off: true },
  env: { HOME: "/home/pyodide", PYTHONNODEBUGRANGES: "1" },
  stdout: () => {},
});
py.runPython(readFileSync(new URL("bytecode.py", import.meta.url), "utf8"));
let count;
try {
  count = py.globals.get("compile_imported")("/tmp/bytecode.zip", warm, py.toPy(JSON.parse(pages)));
} catch (error) {
  // Python's traceback (the error's own message is lost in minified Pyodide)
  console.error(py.runPython("import sys, traceback; ''.join(traceback.format_exception(sys.last_exc))"));
  process.exit(1);
}
writeFileSync(out, py.FS.readFile("/tmp/bytecode.zip"));
console.log(`${count} modules compiled`);
