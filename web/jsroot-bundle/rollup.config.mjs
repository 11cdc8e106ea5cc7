// Builds node_modules/jsroot/build/jsroot-velo.min.js (next to JSROOT's own bundles, where
// jsroot_dir points) from bundle.mjs the way JSROOT builds its own bundles
// (node_modules/jsroot/build/rollup.config.js: UMD global `JSROOT`, dynamic imports inlined,
// node-only modules left out, terser), so the pages keep loading one file.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import fs from 'node:fs';
import zlib from 'node:zlib';

// The bundle's brotli and gzip versions, next to it, made here once rather than by every velo-web
// at start-up (brotli at its best takes 2 s of CPU for this file). velo-web serves them only if
// they decode to the bundle it read, so a stale one is never sent.
const precompress = {
   name: 'velo-precompress',
   writeBundle(options) {
      const body = fs.readFileSync(options.file);
      const { constants: c } = zlib;
      fs.writeFileSync(options.file + '.br', zlib.brotliCompressSync(body, {
         params: { [c.BROTLI_PARAM_QUALITY]: 11, [c.BROTLI_PARAM_LGWIN]: 22, [c.BROTLI_PARAM_SIZE_HINT]: body.length },
      }));
      fs.writeFileSync(options.file + '.gz', zlib.gzipSync(body, { level: 9 }));
   },
};

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
   plugins: [nodeResolve(), terser({ mangle: { reserved: ['InternMap', 'InternSet'] } }), precompress],
   onwarn(message, warn) {
      if (message.code !== 'CIRCULAR_DEPENDENCY') warn(message);
   },
};
