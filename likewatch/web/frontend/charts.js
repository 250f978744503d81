// Charts shared by the board and the page history: uPlot, stepped lines (a count holds until
// the next measurement), gaps for failed fetches, shaded markers for gaps and flagged events.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export { uPlot };

const PALETTE = ["#c0392b", "#1f6fb2", "#2e8b57", "#8e44ad", "#d35400", "#16a085"];
export const colour = (i) => PALETTE[i % PALETTE.length];

// Western digits and the server's separators ("3.149.900" in Arabic, as Django writes it),
// with the language's month and day names.
function grouped(separators) {
  const base = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
  if (!separators) return base;
  return {
    format: (v) =>
      base
        .format(v)
        .replace(/[,.]/g, (c) => (c === "," ? "\u0000" : separators.decimal))
        .replace(/\u0000/g, separators.group),
  };
}

export function formats(lang, separators) {
  const locale = `${lang}-u-nu-latn`;
  const num = grouped(separators);
  const compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 2 });
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const seconds = new Intl.DateTimeFormat(locale, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  return { num, compact, time, seconds, day, full };
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

function markerPlugin(markers) {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx } = u;
        const top = u.bbox.top;
        const height = u.bbox.height;
        ctx.save();
        for (const m of markers) {
          const x0 = u.valToPos(m.start, "x", true);
          const x1 = Math.max(x0 + 3, u.valToPos(m.end, "x", true));
          ctx.fillStyle = m.kind === "gap" ? "rgba(192,57,43,0.15)" : "rgba(241,196,15,0.35)";
          ctx.fillRect(x0, top, x1 - x0, height);
        }
        ctx.restore();
      },
    },
  };
}

export function makeChart(
  el,
  { data, series, lang, separators, markers = [], height = 170, zoom = false, timeLabel = "" },
) {
  const f = formats(lang, separators);
  const width = () => Math.max(240, el.clientWidth);
  const spanDays = (u) => (u.scales.x.max - u.scales.x.min) / 86400;
  const opts = {
    width: width(),
    height,
    cursor: { drag: { x: zoom, y: false }, points: { size: 6 } },
    legend: { show: series.length > 1 || zoom },
    scales: { x: { time: true } },
    plugins: [markerPlugin(markers)],
    series: [
      {
        label: timeLabel,
        value: (u, v) => (v == null ? "" : f.full.format(new Date(v * 1000))),
      },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.colour || colour(i),
        width: 2,
        spanGaps: false,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: false, size: 5, filter: isolated },
        value: (u, v, si, idx) => {
          if (idx == null) return "";
          return v == null ? s.gapLabel || "–" : f.num.format(v);
        },
      })),
    ],
    axes: [
      {
        // Pick the label by the distance between ticks, so no two ticks read the same.
        values: (u, splits, ai, space, incr) => {
          const fmt = incr >= 86400 || spanDays(u) > 2 ? f.day : incr < 60 ? f.seconds : f.time;
          return splits.map((s) => fmt.format(new Date(s * 1000)));
        },
        size: 36,
        space: 80,
      },
      {
        // Compact numbers ("3.1M") hide the small moves a campaign makes on a big page.
        values: (u, splits) => {
          const fine = splits.length > 1 && Math.abs(splits[1] - splits[0]) < 1000;
          return splits.map((s) => (fine ? f.num : f.compact).format(s));
        },
        size: (u, values) => {
          const longest = Math.max(0, ...(values || []).map((v) => String(v).length));
          return Math.max(40, 12 + longest * 7);
        },
      },
    ],
  };
  const plot = new uPlot(opts, data, el);
  if ("ResizeObserver" in window) {
    new ResizeObserver(() => {
      if (Math.abs(plot.width - width()) > 4) plot.setSize({ width: width(), height });
    }).observe(el);
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
