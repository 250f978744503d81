// The campaign board: draws each page's history with uPlot and follows live updates.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

window.likewatch = { uPlot };
