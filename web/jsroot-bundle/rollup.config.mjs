// Builds node_modules/jsroot/build/jsroot-velo.min.js (next to JSROOT's own bundles, where
// jsroot_dir points) from bundle.mjs the way JSROOT builds its own bundles
// (node_modules/jsroot/build/rollup.config.js: UMD global `JSROOT`, dynamic imports inlined,
// node-only modules left out, terser), so the pages keep loading one file.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const external = ['./base/lzma.mjs', './base/zstd.mjs', 'mathjax', 'jsdom', 'fs', 'canvas', 'tmp',
   'zlib', 'xhr2', 'node:worker_threads', '@oneidentity/zstd-js', '@resvg/resvg-js', 'gl', 'three',
   'three/addons'];

export default {
   input: 'jsroot-bundle/bundle.mjs',
   output: {
      name: 'JSROOT',
      file: 'node_modules/jsroot/build/jsroot-velo.min.js',
      format: 'umd',
      inlineDynamicImports: true,
      extend: true,
   },
   external,
   plugins: [nodeResolve(), terser({ mangle: { reserved: ['InternMap', 'InternSet'] } })],
   onwarn(message, warn) {
      if (message.code !== 'CIRCULAR_DEPENDENCY') warn(message);
   },
};
