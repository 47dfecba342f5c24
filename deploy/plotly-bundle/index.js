'use strict';
// plotly.js 4.1.1 with the scatter and contour traces only (see build.sh).
// lib/core already registers the scatter trace, all components (annotations, legend, shapes,
// colorscale, colorbar, fx, modebar, ...) and the en / en-US locales. Registering scatter again
// is a no-op (silent at the default logging level); it is listed to be explicit.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/contour'),
]);

module.exports = Plotly;
