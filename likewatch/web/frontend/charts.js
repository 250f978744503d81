// Charts shared by the board and the page history: uPlot, stepped lines (a count holds until
// the next measurement), gaps for failed fetches, shaded markers for gaps and flagged events,
// the organisers' public notes as flags. Every chart can be read without a mouse: it takes
// the keyboard focus, arrow keys walk its points, a line under it says the value at the cursor
// (and is read out by screen readers), and its numbers are there as a table.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import {
  DAY,
  FULL,
  MONTH,
  SECONDS,
  TIME,
  YEAR,
  formatDate,
  moment,
  number,
  valueTicks,
  zoneLabel,
} from "./format.js";

export { uPlot };

const PALETTE = ["#c0392b", "#1f6fb2", "#2e8b57", "#8e44ad", "#d35400", "#16a085"];
const DARK_PALETTE = ["#ff7b6e", "#6cb4ff", "#5fd08e", "#c59bf0", "#ffa35c", "#4fd6c0"];
const dark = () => window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
export const colour = (i) => (dark() ? DARK_PALETTE : PALETTE)[i % PALETTE.length];

// The theme's colours, read when drawing so a switch to dark mode repaints correctly.
const cssVar = (name, fallback) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const FONT_FAMILY =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", Arial, sans-serif';
const FONT = `12px ${FONT_FAMILY}`;
const TICK = 10;
const GAP = 5;

let measurer;
function textWidth(text) {
  measurer = measurer || document.createElement("canvas").getContext("2d");
  measurer.font = FONT;
  return Math.max(...String(text).split("\n").map((line) => measurer.measureText(line).width));
}

// The value a stepped line shows at `idx`: a count holds until the next measurement, so a
// point another page's line added (undefined here) reads the last value before it; a failed
// fetch (null) reads as a gap.
function heldValue(ys, idx) {
  for (let i = idx; i >= 0; i--) {
    if (ys[i] !== undefined) return ys[i];
  }
  return null;
}

// A value measured once between two gaps has no line to sit on: draw it as a dot.
function isolated(u, si) {
  const ys = u.data[si];
  const idxs = [];
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] == null) continue;
    const before = i === 0 ? null : ys[i - 1];
    const after = i === ys.length - 1 ? null : ys[i + 1];
    if (before == null && after == null) idxs.push(i);
  }
  return idxs.length ? idxs : null;
}

// Gaps and flagged events as shaded bands; annotations as a dashed line with a numbered flag
// (a real button: focusable, its text on hover and read out by screen readers).
function markerPlugin(markers, onNote) {
  const notes = markers.filter((m) => m.kind === "annotation");
  const bands = markers.filter((m) => m.kind !== "annotation");
  let flags = [];
  return {
    hooks: {
      init: (u) => {
        flags = notes.map((note, i) => {
          const flag = document.createElement("button");
          flag.type = "button";
          flag.className = "flag";
          flag.textContent = String(i + 1);
          flag.title = note.label;
          flag.setAttribute("aria-label", note.label);
          flag.dataset.at = String(note.start);
          flag.addEventListener("click", () => onNote(note));
          flag.addEventListener("focus", () => onNote(note));
          u.over.appendChild(flag);
          return flag;
        });
      },
      drawClear: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        for (const m of bands) {
          const x0 = u.valToPos(m.start, "x", true);
          const x1 = Math.max(x0 + 3, u.valToPos(m.end, "x", true));
          ctx.fillStyle = m.kind === "gap" ? "rgba(192,57,43,0.18)" : "rgba(241,196,15,0.35)";
          ctx.fillRect(x0, top, x1 - x0, height);
        }
        ctx.restore();
      },
      draw: (u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.strokeStyle = cssVar("--note", "#6b3fa0");
        ctx.lineWidth = 1.5 * uPlot.pxRatio;
        ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
        notes.forEach((note, i) => {
          const inside = note.start >= u.scales.x.min && note.start <= u.scales.x.max;
          flags[i].hidden = !inside;
          if (!inside) return;
          const x = Math.round(u.valToPos(note.start, "x", true));
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          flags[i].style.left = `${u.valToPos(note.start, "x")}px`;
        });
        ctx.restore();
      },
    },
  };
}

// The time axis: the labels' precision follows the distance between ticks, and the date is
// added under the first tick of each day (the year under the first of each year), so no two
// ticks read the same, even over years (a backfilled history starts long before tracking).
function timeTicks(lang) {
  return (u, splits, ai, space, incr) => {
    let previousDay = "";
    let previousYear = "";
    return splits.map((s) => {
      const date = new Date(s * 1000);
      if (incr >= 360 * 86400) return formatDate(lang, date, YEAR);
      if (incr >= 28 * 86400) return formatDate(lang, date, MONTH);
      const dayText = formatDate(lang, date, DAY);
      if (incr >= 86400) {
        const year = formatDate(lang, date, YEAR);
        const text = year !== previousYear ? `${dayText}\n${year}` : dayText;
        previousYear = year;
        return text;
      }
      const time = formatDate(lang, date, incr < 60 ? SECONDS : TIME);
      const text = dayText !== previousDay ? `${time}\n${dayText}` : time;
      previousDay = dayText;
      return text;
    });
  };
}

function closestWithValue(u, idx, step) {
  const n = u.data[0].length;
  let i = idx;
  while (i >= 0 && i < n) {
    if (u.data.slice(1).some((ys) => ys[i] != null)) return i;
    i += step;
  }
  return Math.max(0, Math.min(n - 1, idx));
}

function moveCursor(u, idx) {
  const n = u.data[0].length;
  if (!n) return;
  const i = Math.max(0, Math.min(n - 1, idx));
  const y = u.data.slice(1).map((ys) => ys[i]).find((v) => v != null);
  u.setCursor({
    left: u.valToPos(u.data[0][i], "x"),
    top: y == null ? u.bbox.height / uPlot.pxRatio / 2 : u.valToPos(y, "y"),
  });
}

// The chart's numbers as a table, folded away under the chart (and read by screen readers).
function dataTable(el, u, series, lang, labels, notes, fmt) {
  const details = document.createElement("details");
  details.className = "chart-table";
  const summary = document.createElement("summary");
  summary.textContent = labels.table || "Table";
  details.appendChild(summary);
  const fill = () => {
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const text of [labels.time || "", ...series.map((s) => s.label)]) {
      const th = document.createElement("th");
      th.textContent = text;
      head.appendChild(th);
    }
    const body = table.createTBody();
    const [xs, ...columns] = u.data;
    for (let i = xs.length - 1; i >= 0; i--) {
      const row = body.insertRow();
      row.insertCell().textContent = moment(lang, new Date(xs[i] * 1000), FULL);
      columns.forEach((ys, si) => {
        const cell = row.insertCell();
        cell.className = "num";
        const v = heldValue(ys, i);
        cell.textContent = v == null ? series[si].gapLabel || "\u2013" : fmt(v);
      });
    }
    details.querySelector("table")?.remove();
    details.querySelector("ol")?.remove();
    details.appendChild(table);
    if (notes.length) {
      const list = document.createElement("ol");
      list.className = "notes";
      list.setAttribute("aria-label", labels.notes || "");
      for (const note of notes) {
        const item = document.createElement("li");
        const when = document.createElement("bdi");
        when.textContent = moment(lang, new Date(note.start * 1000));
        const text = document.createElement("bdi");
        text.textContent = note.label;
        item.append(when, ": ", text);
        list.appendChild(item);
      }
      details.appendChild(list);
    }
  };
  // Built when opened: most readers never open it, and a history has a thousand points.
  details.addEventListener("toggle", () => details.open && fill());
  details.refresh = () => details.open && fill();
  el.after(details);
  return details;
}

export function makeChart(
  el,
  { data, series, lang, markers = [], height = 170, zoom = false, labels = {}, signed = false },
) {
  const fmt = (v) => number(lang, v, 0, signed);
  const notes = markers.filter((m) => m.kind === "annotation");
  const width = () => Math.max(240, el.clientWidth);
  const readout = document.createElement("p");
  readout.className = "readout";
  // Read out while the chart has the keyboard focus, not at every mouse move.
  readout.setAttribute("aria-live", "off");
  readout.id = `${el.id || `chart-${Math.random().toString(36).slice(2)}`}-readout`;
  // Each part in its own <bdi>, so a date, a number and an English name keep their order
  // inside an Arabic page.
  const say = (parts) => {
    const text = parts.join(" · ");
    if (readout.dataset.text === text) return;
    readout.dataset.text = text;
    readout.replaceChildren(
      ...parts.flatMap((part, i) => {
        const bdi = document.createElement("bdi");
        bdi.textContent = part;
        return i ? [" · ", bdi] : [bdi];
      }),
    );
  };
  const noteNear = (u, idx) => {
    if (idx == null) return null;
    const x = u.data[0][idx];
    const tolerance = (u.scales.x.max - u.scales.x.min) / 100;
    return notes.find((n) => Math.abs(n.start - x) <= tolerance);
  };
  const describe = (u, idx) => {
    const xs = u.data[0];
    if (idx == null || idx >= xs.length) {
      if (!xs.length) return [];
      return describe(u, closestWithValue(u, xs.length - 1, -1));
    }
    const when = moment(lang, new Date(xs[idx] * 1000));
    const values = series.map((s, si) => {
      const v = heldValue(u.data[si + 1], idx);
      const text = v == null ? s.gapLabel || "\u2013" : fmt(v);
      return series.length > 1 ? `${s.label}: ${text}` : text;
    });
    const note = noteNear(u, idx);
    return [when, ...values, ...(note ? [`${labels.note || "Note"}: ${note.label}`] : [])];
  };
  const showNote = (note) =>
    say([moment(lang, new Date(note.start * 1000)), `${labels.note || "Note"}: ${note.label}`]);
  const opts = {
    width: width(),
    height,
    cursor: { drag: { x: zoom, y: false }, points: { size: 7 } },
    // Several lines: a colour key. The values at the cursor are in the readout line.
    legend: { show: series.length > 1, live: false },
    scales: { x: { time: true } },
    plugins: [markerPlugin(markers, showNote)],
    hooks: {
      setCursor: [(u) => say(describe(u, u.cursor.idx))],
      // What the axes show, written on the element: canvas text is invisible to the page, and
      // this lets tests (and tools) check the labels a reader sees.
      draw: [
        (u) => {
          const pairs = (axis) => (axis._splits || []).map((s, i) => `${s}=${String(axis._values?.[i] ?? "").replace(/\n/g, " ")}`);
          el.dataset.xTicks = pairs(u.axes[0]).join("|");
          el.dataset.yTicks = pairs(u.axes[1]).join("|");
          el.dataset.plotLeft = String(Math.round(u.bbox.left / uPlot.pxRatio));
        },
      ],
      setData: [
        (u) => {
          if (table) table.refresh();
          if (u.cursor.idx == null) say(describe(u, null));
        },
      ],
    },
    series: [
      {
        label: labels.time || "",
        value: (u, v) => (v == null ? "" : moment(lang, new Date(v * 1000))),
      },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: () => s.colour || colour(i),
        width: 2,
        spanGaps: false,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: false, size: 5, filter: isolated },
        value: (u, v, si, idx) => {
          if (idx == null) return "";
          const held = heldValue(u.data[si], idx);
          return held == null ? s.gapLabel || "\u2013" : fmt(held);
        },
      })),
    ],
    axes: [
      {
        values: timeTicks(lang),
        stroke: () => cssVar("--muted", "#5b6570"),
        grid: { stroke: () => cssVar("--grid", "rgba(0,0,0,0.07)"), width: 1 },
        ticks: { stroke: () => cssVar("--grid", "rgba(0,0,0,0.07)"), width: 1, size: TICK },
        font: FONT,
        size: 52,
        space: 70,
        gap: GAP,
      },
      {
        values: (u, splits, ai, space, incr) => valueTicks(lang, splits, incr),
        stroke: () => cssVar("--muted", "#5b6570"),
        grid: { stroke: () => cssVar("--grid", "rgba(0,0,0,0.07)"), width: 1 },
        ticks: { stroke: () => cssVar("--grid", "rgba(0,0,0,0.07)"), width: 1, size: TICK },
        font: FONT,
        gap: GAP,
        space: 28,
        // As wide as the widest label actually drawn, so "3.15M" never loses its "3".
        size: (u, values) => {
          if (!values || !values.length) return 48;
          return Math.ceil(Math.max(...values.map(textWidth)) + TICK + GAP + 6);
        },
      },
    ],
  };
  let table = null;
  let observer = null;
  const plot = new uPlot(opts, data, el);
  el.tabIndex = 0;
  el.setAttribute("role", "group");
  el.setAttribute("aria-roledescription", labels.chart || "chart");
  el.after(readout);
  el.setAttribute("aria-describedby", readout.id);
  table = dataTable(readout, plot, series, lang, labels, notes, fmt);
  if (labels.keys) el.title = labels.keys;
  const onKey = (event) => {
    const n = plot.data[0].length;
    if (!n) return;
    const current = plot.cursor.idx == null ? n - 1 : plot.cursor.idx;
    const moves = {
      ArrowRight: () => closestWithValue(plot, current + 1, 1),
      ArrowLeft: () => closestWithValue(plot, current - 1, -1),
      ArrowUp: () => closestWithValue(plot, current + 1, 1),
      ArrowDown: () => closestWithValue(plot, current - 1, -1),
      PageUp: () => current + Math.max(1, Math.round(n / 10)),
      PageDown: () => current - Math.max(1, Math.round(n / 10)),
      Home: () => 0,
      End: () => n - 1,
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    moveCursor(plot, moves[event.key]());
  };
  const onFocus = () => {
    readout.setAttribute("aria-live", "polite");
    if (plot.cursor.idx == null) moveCursor(plot, closestWithValue(plot, plot.data[0].length - 1, -1));
  };
  const onBlur = () => readout.setAttribute("aria-live", "off");
  el.addEventListener("keydown", onKey);
  el.addEventListener("focus", onFocus);
  el.addEventListener("blur", onBlur);
  const destroy = plot.destroy.bind(plot);
  plot.destroy = () => {
    el.removeEventListener("keydown", onKey);
    el.removeEventListener("focus", onFocus);
    el.removeEventListener("blur", onBlur);
    readout.remove();
    table.remove();
    if (observer) observer.disconnect();
    destroy();
  };
  say(describe(plot, null));
  el.dataset.zone = zoneLabel(lang, new Date());
  if ("ResizeObserver" in window) {
    observer = new ResizeObserver(() => {
      if (Math.abs(plot.width - width()) > 4) plot.setSize({ width: width(), height });
    });
    observer.observe(el);
  }
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener?.("change", () => plot.redraw(false));
  }
  return plot;
}

// Add a live measurement to a [xs, ys] table: a repeated value moves the span's end.
export function extend(table, t, value) {
  const [xs, ys] = table;
  const n = xs.length;
  if (n && t <= xs[n - 1]) return false;
  if (n >= 2 && ys[n - 1] === value && ys[n - 2] === value) {
    xs[n - 1] = t;
  } else {
    xs.push(t);
    ys.push(value);
  }
  return true;
}
