// Build custom plotly.js bundles with esbuild, mirroring plotly.js 4.1.1's own bundling
// (esbuild-config.js + tasks/util/bundle_wrapper.mjs + tasks/compress_attributes.js):
//   format iife, globalName Plotly, target es2016, define global=window, define.amd=false,
//   process.env.NODE_DEBUG=false, attribute meta ("description", "hrName", ...) stripped,
//   and the same UMD-ish wrapper that ends with `window.Plotly = Plotly`.
import { build } from 'esbuild';
import fs from 'node:fs';
import { stripMeta } from './strip_meta.mjs';

const [entry, outfile, name] = process.argv.slice(2);
const version = JSON.parse(fs.readFileSync('node_modules/plotly.js/package.json', 'utf8')).version;

// == tasks/compress_attributes.js, applied to plotly.js's own sources (see strip_meta.mjs)
const compressAttributes = {
  name: 'compress-attributes',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]plotly\.js[\\/](src|lib)[\\/].*\.js$/ }, async (args) => ({
      loader: 'js',
      contents: stripMeta(await fs.promises.readFile(args.path, 'utf8')),
    }));
  },
};
// The only CSS plotly.js imports is maplibre-gl's, and only when a `map` subplot is registered
// (never in this bundle). The official build inlines it; here it becomes an empty module.
const noCss = {
  name: 'no-css',
  setup(b) {
    b.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: 'no-css' }));
    b.onLoad({ filter: /.*/, namespace: 'no-css' }, () => ({ contents: '', loader: 'js' }));
  },
};

const header = `/**
* plotly.js (${name} - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*/
`;
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: 'iife',
  globalName: 'Plotly',
  minify: true,
  sourcemap: false,
  target: 'es2016',
  legalComments: 'eof',
  plugins: [noCss, compressAttributes],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  logLevel: 'info',
});
// == addWrapper() in tasks/util/bundle_wrapper.mjs
const body = fs.readFileSync(outfile, 'utf8');
fs.writeFileSync(outfile, header + [
  '(',
  ' function(root, factory) {',
  '  if (typeof module === "object" && module.exports) {',
  '   module.exports = factory();',
  '  } else {',
  '   root.moduleName = factory();',
  '  }',
  '} (typeof self !== "undefined" ? self : this, () => {',
  ''].join('\n') + body + ['', 'window.Plotly = Plotly;', 'return Plotly;', '}));', ''].join('\n'));
