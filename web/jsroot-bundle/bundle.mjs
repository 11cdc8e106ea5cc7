// The JSROOT painters velo-web serves: JSROOT's own 2D-histogram bundle (modules/hist2d/bundle.mjs:
// TH1, TH2, THStack) plus the graph painter the trends pages draw with. Built by
// `npm ci` (the prepare script: rollup.config.mjs) into node_modules/jsroot/build/jsroot-velo.min.js.

export { version, parse, create, createHistogram, createTGraph, settings, gStyle } from '../node_modules/jsroot/modules/core.mjs';
export { cleanup } from '../node_modules/jsroot/modules/base/ObjectPainter.mjs';
export { TH1Painter } from '../node_modules/jsroot/modules/hist2d/TH1Painter.mjs';
export { TH2Painter } from '../node_modules/jsroot/modules/hist2d/TH2Painter.mjs';
export { THStackPainter } from '../node_modules/jsroot/modules/hist2d/THStackPainter.mjs';
export { TGraphPainter } from '../node_modules/jsroot/modules/hist2d/TGraphPainter.mjs';
