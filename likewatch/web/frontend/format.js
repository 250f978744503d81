// Numbers and times in the browser, in the page's language (Intl, from the same CLDR data the
// server formats with: likewatch/formatting.py). One minus sign everywhere, U+2212, as the
// server writes it; times in the reader's own zone, always saying which zone that is.
export const MINUS = "\u2212";

export function pageLanguage() {
  return document.documentElement.lang || "en";
}

// The reader's zone name ("Europe/Paris"); "UTC" when the browser does not say.
export function zoneName() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (e) {
    return "UTC";
  }
}

const cache = new Map();
function numberFormat(lang, options) {
  const key = lang + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(lang, options));
  return cache.get(key);
}

function withSign(value, text, plus) {
  if (text.replace(/[^0-9\u0660-\u0669\u06f0-\u06f9]/g, "").replace(/[0\u0660\u06f0]/g, "") === "") {
    return text; // rounds to zero: no sign
  }
  if (value < 0) return MINUS + text;
  return plus ? `+${text}` : text;
}

// A count: "3,149,900", "3 149 900"; "−12" when negative.
export function number(lang, value, decimals = 0, plus = false) {
  if (value == null || Number.isNaN(value)) return "\u2013";
  const f = numberFormat(lang, {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return withSign(value, f.format(Math.abs(value)), plus);
}

// A short count for axes: "3.15M", "3,15 M"; `decimals` fixed so neighbours read alike.
export function compact(lang, value, decimals) {
  const f = numberFormat(lang, {
    notation: "compact",
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return withSign(value, f.format(Math.abs(value)), false);
}

// The labels of a value axis whose ticks are `incr` apart: as few digits as tell every tick
// apart ("3.14M 3.15M 3.16M", never "3.1M" three times), the whole number when compact
// notation cannot.
export function valueTicks(lang, splits, incr) {
  const largest = Math.max(0, ...splits.map((s) => Math.abs(s)));
  const step = Math.abs(incr) || 1;
  const distinct = (labels) => new Set(labels).size === labels.length;
  if (largest >= 10000 && step >= 100) {
    const unit = 10 ** (3 * Math.floor(Math.log10(largest) / 3));
    const decimals = Math.max(0, Math.min(3, Math.ceil(Math.log10(unit / step) - 1e-9)));
    const labels = splits.map((s) => compact(lang, s, decimals));
    if (distinct(labels)) return labels;
  }
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return splits.map((s) => number(lang, s, decimals));
}

const dateFormats = new Map();
function dateFormat(lang, options) {
  const key = lang + JSON.stringify(options);
  if (!dateFormats.has(key)) {
    // 24-hour clock as the server writes times ("15:43 UTC"), whatever the locale's habit.
    dateFormats.set(key, new Intl.DateTimeFormat(lang, { hourCycle: "h23", ...options }));
  }
  return dateFormats.get(key);
}

// The zone's short name at that moment ("CET", "GMT+1", "UTC").
export function zoneLabel(lang, date) {
  const part = dateFormat(lang, { timeZoneName: "short", hour: "numeric" })
    .formatToParts(date)
    .find((p) => p.type === "timeZoneName");
  return part ? part.value : zoneName();
}

export const TIME = { hour: "2-digit", minute: "2-digit" };
export const SECONDS = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
export const DAY = { day: "numeric", month: "short" };
export const MONTH = { month: "short", year: "numeric" };
export const YEAR = { year: "numeric" };
export const DATE = { day: "numeric", month: "short", year: "numeric" };
export const FULL = { ...DATE, ...TIME };

export function formatDate(lang, date, options) {
  return dateFormat(lang, options).format(date);
}

// "1 Dec 2026, 14:05 CET": a moment with its zone, never 12/01/2026.
export function moment(lang, date, options = FULL) {
  return `${formatDate(lang, date, options)} ${zoneLabel(lang, date)}`;
}

// "3 minutes ago", "in 2 hours", "now".
export function relative(lang, date, now = Date.now()) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const size = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (size < 45) return rtf.format(0, "second");
  if (size < 45 * 60) return rtf.format(Math.round(seconds / 60), "minute");
  if (size < 22 * 3600) return rtf.format(Math.round(seconds / 3600), "hour");
  if (size < 26 * 86400) return rtf.format(Math.round(seconds / 86400), "day");
  if (size < 320 * 86400) return rtf.format(Math.round(seconds / (30 * 86400)), "month");
  return rtf.format(Math.round(seconds / (365 * 86400)), "year");
}
