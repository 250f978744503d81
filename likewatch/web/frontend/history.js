// A page's history: the full chart, zoomable by dragging across it (double-click resets).
import { makeChart } from "./charts.js";
import { pageLanguage } from "./format.js";
import { start as startTimes } from "./times.js";

const read = (id) => JSON.parse(document.getElementById(id).textContent);
const config = read("history-config");
startTimes();
const el = document.querySelector("[data-chart]");
if (el) {
  makeChart(el, {
    data: read("chart-data"),
    lang: pageLanguage(),
    labels: config.labels,
    height: 320,
    zoom: true,
    markers: read("marker-data"),
    series: [{ label: config.label, gapLabel: config.gap }],
  });
}
