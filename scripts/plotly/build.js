// Bundle entry.js as plotly.js's own build does (its esbuild-config.js), minified; then write
// the bundle and its description (bundle.json) into sopkit/plotly/.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");
const InlineCSSPlugin = require("esbuild-plugin-inline-css");
const { environmentPlugin } = require("esbuild-plugin-environment");

const TRACES = ["scatter", "bar", "heatmap", "sankey", "treemap"];
const out = path.resolve(__dirname, "../../sopkit/plotly");

esbuild
  .build({
    entryPoints: [path.join(__dirname, "entry.js")],
    write: false,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    legalComments: "eof",
    // Also a CommonJS module: sopkit's chart widget runs the bundle the kernel sends that way.
    footer: { js: 'if (typeof module === "object" && module && module.exports) { module.exports = Plotly; }' },
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    define: { global: "window", "define.amd": "false" },
    target: "es2016",
    logLevel: "warning",
  })
  .then((result) => {
    const version = require("plotly.js/package.json").version;
    const code = Buffer.from(`/* plotly.js ${version} (MIT), traces: ${TRACES.join(", ")}; built by sopkit's scripts/build-plotly.sh */\n` + result.outputFiles[0].text);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "plotly.min.js"), code);
    const about = {
      "plotly.js": version,
      traces: TRACES,
      bytes: code.length,
      sha256: crypto.createHash("sha256").update(code).digest("hex"),
      built_with: { esbuild: require("esbuild/package.json").version, node: process.version },
    };
    fs.writeFileSync(path.join(out, "bundle.json"), JSON.stringify(about, null, 2) + "\n");
    console.log(`sopkit/plotly/plotly.min.js: ${code.length} bytes, plotly.js ${version}`);
  });
