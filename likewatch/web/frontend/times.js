// The server writes every moment in UTC, saying so, inside <time datetime="ISO">; here each is
// rewritten in the reader's own zone (with the zone's name), and "3 minutes ago" beside the
// ones that carry data-ago is kept true as time passes.
import { DATE, FULL, TIME, formatDate, moment, pageLanguage, relative, zoneLabel, zoneName } from "./format.js";

const STYLES = { full: FULL, date: DATE, time: TIME };

function sameDay(a, b) {
  return a.toDateString() === b.toDateString();
}

export function localise(el, now = new Date()) {
  const iso = el.getAttribute("datetime");
  if (!iso) return;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return;
  const lang = pageLanguage();
  const style = el.dataset.style || "full";
  if (!el.title) el.title = el.textContent.trim(); // the server's UTC text stays on hover
  let text;
  if (style === "date") text = formatDate(lang, date, DATE);
  else if (style === "moment" && sameDay(date, now)) text = moment(lang, date, TIME);
  else text = moment(lang, date, STYLES[style] || FULL);
  if (el.textContent !== text) el.textContent = text;
  el.dataset.zone = zoneName();
}

export function refreshAgo(root = document, now = Date.now()) {
  const lang = pageLanguage();
  for (const el of root.querySelectorAll("[data-ago]")) {
    const iso = el.dataset.ago;
    const date = iso ? new Date(iso) : null;
    const text = date && !Number.isNaN(date.getTime()) ? relative(lang, date, now) : "";
    if (el.textContent !== text) el.textContent = text;
  }
}

export function localiseAll(root = document) {
  const now = new Date();
  for (const el of root.querySelectorAll("time[datetime]")) localise(el, now);
  for (const el of root.querySelectorAll("[data-zone-name]")) {
    el.textContent = `${zoneName()} (${zoneLabel(pageLanguage(), now)})`;
  }
  refreshAgo(root);
}

export function start() {
  localiseAll();
  setInterval(() => refreshAgo(), 15000);
}
