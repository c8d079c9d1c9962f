// plotly.js with the trace types sopkit's figures use (sopkit/figures.py): scatter (in the
// core), bar, heatmap, sankey and treemap. tests/test_chart.py fails when a figure uses another one.
var Plotly = require("plotly.js/lib/core");

Plotly.register([require("plotly.js/lib/bar"), require("plotly.js/lib/heatmap"), require("plotly.js/lib/sankey"), require("plotly.js/lib/treemap")]);

module.exports = Plotly;
