// The campaign board: draws each page's history and follows live updates (server-sent
// events). Every number is already formatted by the server; this only swaps text, and
// rewrites moments in the reader's own zone (times.js).
import { colour, extend, makeChart, uPlot } from "./charts.js";
import { pageLanguage } from "./format.js";
import { localise, refreshAgo, start as startTimes } from "./times.js";

const read = (id) => JSON.parse(document.getElementById(id).textContent);
const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), obj);

const config = read("board-config");
let board = read("board-data");
const tables = read("chart-data");
const markers = read("marker-data");
const plots = {};
let compare = null;
let mode = "change";
const lang = pageLanguage();
// Notes the organisers made public belong to the campaign: drawn on every page's chart.
const notes = markers.filter((m) => m.kind === "annotation");

function drawPages() {
  for (const el of document.querySelectorAll("[data-chart]")) {
    const id = el.dataset.chart;
    const page = board.pages.find((p) => String(p.id) === id);
    if (!tables[id] || !page) continue;
    plots[id] = makeChart(el, {
      data: tables[id],
      lang,
      labels: config.labels,
      markers: markers.filter((m) => String(m.page_id) === id || m.kind === "annotation"),
      series: [{ label: page.name, gapLabel: config.labels.gap }],
    });
  }
}

function compareData() {
  const ids = board.pages.map((p) => String(p.id)).filter((id) => tables[id]);
  const joined = uPlot.join(
    ids.map((id) => tables[id]),
    ids.map(() => [1]),
  );
  if (mode === "change") {
    ids.forEach((id, i) => {
      const base = board.pages.find((p) => String(p.id) === id).baseline;
      joined[i + 1] = joined[i + 1].map((v) => (v == null || base == null ? v : v - base));
    });
  }
  return { ids, joined };
}

function drawCompare() {
  const el = document.querySelector("[data-compare]");
  if (!el) return;
  const { ids, joined } = compareData();
  if (compare) compare.destroy();
  compare = makeChart(el, {
    data: joined,
    lang,
    labels: config.labels,
    markers: notes,
    signed: mode === "change",
    height: 240,
    series: ids.map((id, i) => ({
      label: board.pages.find((p) => String(p.id) === id).name,
      colour: colour(i),
      gapLabel: config.labels.gap,
    })),
  });
}

function setText(el, text) {
  if (text != null && el.textContent !== String(text)) el.textContent = text;
}

function staleCheck() {
  const now = Date.now();
  for (const page of board.pages) {
    const card = document.querySelector(`[data-page="${page.id}"]`);
    if (!card) continue;
    const stale = !page.stale_after || Date.parse(page.stale_after) < now;
    card.classList.toggle("is-stale", stale);
    card.querySelector("[data-stale-warning]").hidden = !stale;
  }
}

// The rows of flagged moves not counted as people (web/board_apart.html) are drawn hidden
// while empty: shown, relinked or hidden again as flags arrive, are reviewed or dismissed.
// Their text is swapped like every other field's.
function applyApart(scope, apart) {
  if (!scope || !apart) return;
  for (const row of scope.querySelectorAll("[data-apart]")) {
    const kind = row.dataset.apart;
    row.hidden = !(apart.display && apart.display[kind]);
    const link = row.querySelector("a");
    const url = apart[`${kind}_url`];
    if (link && url && link.getAttribute("href") !== url) link.setAttribute("href", url);
  }
}

function apply(next) {
  board = next;
  for (const el of document.querySelectorAll("[data-total]")) {
    setText(el, get(board.total, el.dataset.total));
  }
  applyApart(document.getElementById("total"), board.total.apart);
  const bar = document.querySelector("[data-progress]");
  if (bar && board.total.target_percent != null) {
    bar.value = Math.max(0, Math.min(100, board.total.target_percent));
    bar.textContent = board.total.display.target_percent;
  }
  for (const page of board.pages) {
    const card = document.querySelector(`[data-page="${page.id}"]`);
    if (!card) continue;
    for (const el of card.querySelectorAll("[data-field]")) {
      setText(el, get(page, el.dataset.field));
    }
    applyApart(card, page.apart);
    const time = card.querySelector("time[data-measured]");
    if (time && page.measured_at && time.getAttribute("datetime") !== page.measured_at) {
      time.setAttribute("datetime", page.measured_at);
      time.textContent = page.display.measured_at;
      time.removeAttribute("title");
      localise(time);
      const ago = card.querySelector("[data-ago]");
      if (ago) ago.dataset.ago = page.measured_at;
    }
    const table = tables[page.id];
    if (!table) continue;
    let moved = false;
    if (page.last_error_at && (!page.measured_at || Date.parse(page.last_error_at) > Date.parse(page.measured_at))) {
      moved = extend(table, Date.parse(page.last_error_at) / 1000, null);
    } else if (page.measured_at && page.current != null) {
      moved = extend(table, Date.parse(page.measured_at) / 1000, page.current);
    }
    if (moved && plots[page.id]) plots[page.id].setData(table);
  }
  staleCheck();
  refreshAgo();
  if (compare) compare.setData(compareData().joined);
}

function listen() {
  if (!("EventSource" in window)) return;
  const status = document.querySelector("[data-live-status]");
  const source = new EventSource(config.live);
  source.addEventListener("board", (event) => apply(JSON.parse(event.data)));
  source.addEventListener("open", () => {
    status.hidden = false;
    status.textContent = config.labels.live;
    status.classList.remove("is-off");
  });
  source.addEventListener("error", () => {
    status.textContent = config.labels.offline;
    status.classList.add("is-off");
  });
}

for (const button of document.querySelectorAll("[data-mode]")) {
  button.addEventListener("click", () => {
    mode = button.dataset.mode;
    for (const b of document.querySelectorAll("[data-mode]")) {
      b.setAttribute("aria-pressed", String(b === button));
    }
    drawCompare();
  });
}

startTimes();
drawPages();
drawCompare();
staleCheck();
setInterval(staleCheck, 30000);
listen();
