// newswire's page for analysts: one module, no framework, no build step, no request off this origin.
// Every text that comes from a feed is put in the page with textContent or DOM nodes. The two
// exceptions are the server's own HTML: `snippet` (escaped text plus <mark>) and the sanitised `html`
// (parsed inertly, cleaned again, then imported). The page's CSP runs no script but this file anyway.

const PAGE_SIZE = 50;
const CHART_DEFAULT_DAYS = 90;
const CHART_BAR_DAYS = 120; // longer ranges are drawn as lines
const SVG_NS = "http://www.w3.org/2000/svg";
const KNOWN_TONES = { defense: 0, diplomacy: 1 };
const URL_SCHEMES = new Set(["http:", "https:", "mailto:"]);

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- small DOM helpers

/** An element with attributes (class, dataset via data-*, others as attributes) and children. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
}

/** A CSS-safe piece of a class name for a label or code from the API. */
function slug(value) {
  return String(value).toLowerCase().replace(/[^a-z0-9_-]/g, "-");
}

/** A stable colour index for a label: defense and diplomacy fixed, others hashed. */
function tone(label) {
  if (label in KNOWN_TONES) return KNOWN_TONES[label];
  let hash = 0;
  for (const char of String(label)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return 2 + (hash % 4);
}

// ---------------------------------------------------------------- dates

// Dates read "29 Oct 2019, 19:15" in the reader's time zone; the chart's days are UTC days.
const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false });
const shortFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });
const axisDay = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const axisMonth = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
const axisFull = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
});

/** "29 Oct 2019, 19:15" in the reader's time zone. */
function longDate(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : `${dayFormat.format(when)}, ${timeFormat.format(when)}`;
}

/** "29 Oct 19:15" in the reader's time zone (the cluster line). */
function shortDate(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : `${shortFormat.format(when)} ${timeFormat.format(when)}`;
}

function timeEl(iso, text) {
  const when = new Date(iso);
  const utc = Number.isNaN(when.getTime()) ? "" : ` (${when.toISOString().slice(0, 16).replace("T", " ")} UTC)`;
  return el("time", { datetime: iso, title: `${iso}${utc}` }, text);
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(day) {
  if (!ISO_DAY.test(day || "")) return null;
  const [y, m, d] = day.split("-").map(Number);
  const when = new Date(Date.UTC(y, m - 1, d));
  return Number.isNaN(when.getTime()) ? null : when;
}

function formatDay(when) {
  return when.toISOString().slice(0, 10);
}

function addDays(day, n) {
  const when = parseDay(day);
  if (!when) return null;
  when.setUTCDate(when.getUTCDate() + n);
  return formatDay(when);
}

function todayUTC() {
  return new Date().toISOString().slice(0, 10);
}

// ---------------------------------------------------------------- the state in the URL

/** Country codes from "AZ, uz" or repeated parameters: upper-case, two letters, no duplicates. */
function parseCountries(values) {
  const codes = [];
  for (const value of values) {
    for (const part of String(value).split(/[\s,;]+/)) {
      const code = part.trim().toUpperCase();
      if (code && !codes.includes(code)) codes.push(code);
    }
  }
  return codes;
}

/** The page's state from its address: filters in the query, the open article in ?article= or #article=. */
function readLocation() {
  const query = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const article = hash.get("article") || query.get("article") || "";
  const label = query.get("label") || "";
  const limit = Number.parseInt(query.get("limit") || "", 10);
  return {
    q: (query.get("q") || "").trim(),
    label: /^[a-z_]{1,50}$/.test(label) ? label : "",
    countries: parseCountries(query.getAll("country")),
    countryMode: query.get("country_mode") === "all" ? "all" : "any",
    source: query.get("source") || "",
    since: ISO_DAY.test(query.get("since") || "") ? query.get("since") : "",
    until: ISO_DAY.test(query.get("until") || "") ? query.get("until") : "",
    sort: query.get("sort") === "relevance" ? "relevance" : "published",
    key: query.get("key") || "",
    limit: limit >= 1 && limit <= 500 ? limit : 0, // stories per page; 0: the page's default
    article: /^\d{1,18}$/.test(article) ? article : "",
  };
}

/** The page's own query string for a state (the article goes in the hash). */
function pageParams(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.label) params.set("label", state.label);
  for (const code of state.countries) params.append("country", code);
  if (state.countries.length && state.countryMode === "all") params.set("country_mode", "all");
  if (state.source) params.set("source", state.source);
  if (state.since) params.set("since", state.since);
  if (state.until) params.set("until", state.until);
  if (state.q && state.sort === "relevance") params.set("sort", "relevance");
  if (state.limit) params.set("limit", String(state.limit));
  if (state.key) params.set("key", state.key);
  return params;
}

/** The API's filters for a state; the page's "to" date is inclusive, the API's `until` is not. */
function apiParams(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.label) params.set("label", state.label);
  for (const code of state.countries) params.append("country", code);
  if (state.countries.length > 1 && state.countryMode === "all") params.set("country_mode", "all");
  if (state.source) params.set("source", state.source);
  if (state.since) params.set("since", state.since);
  if (state.until) params.set("until", addDays(state.until, 1));
  if (state.q && state.sort === "relevance") params.set("sort", "relevance");
  if (state.key) params.set("key", state.key);
  return params;
}

function withQuery(path, params) {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** FastAPI's detail: a string, or a list of {loc, msg} for a bad parameter. */
function describeDetail(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "query").join(".") : "";
        return where ? `${where}: ${d.msg}` : String(d.msg);
      })
      .join("; ");
  }
  return "";
}

async function api(path, params, signal) {
  const state = current;
  const query = new URLSearchParams(params || undefined);
  if (state.key && !query.has("key")) query.set("key", state.key);
  let response;
  try {
    response = await fetch(withQuery(path, query), { headers: { Accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "the API does not answer");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = describeDetail((await response.json()).detail) || message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

// ---------------------------------------------------------------- the form

function fillForm(state) {
  $("q").value = state.q;
  $("label").value = state.label;
  if ($("label").value !== state.label) {
    $("label").append(el("option", { value: state.label }, state.label));
    $("label").value = state.label;
  }
  $("country").value = state.countries.join(", ");
  $(state.countryMode === "all" ? "country-mode-all" : "country-mode-any").checked = true;
  ensureSourceOption(state.source);
  const source = [...$("source").options].find((o) => o.value.toLowerCase() === state.source.toLowerCase());
  $("source").value = source ? source.value : "";
  $("since").value = state.since;
  $("until").value = state.until;
  $("sort").value = state.sort;
}

function ensureSourceOption(name) {
  if (!name) return;
  const select = $("source");
  const known = [...select.options].some((option) => option.value.toLowerCase() === name.toLowerCase());
  if (!known) select.append(el("option", { value: name }, name));
}

function stateFromForm() {
  const countries = parseCountries([$("country").value]);
  return {
    q: $("q").value.trim(),
    label: $("label").value,
    countries,
    countryMode: $("country-mode-all").checked ? "all" : "any",
    source: $("source").value,
    since: $("since").value,
    until: $("until").value,
    sort: $("sort").value,
    key: current.key,
    limit: current.limit,
    article: "",
  };
}

function validate(state) {
  const bad = state.countries.filter((code) => !/^[A-Z]{2}$/.test(code));
  if (bad.length) return `${bad.join(", ")}: countries are two-letter ISO codes such as AZ, UZ`;
  if (state.since && state.until && state.since > state.until) return "the “from” date is after the “to” date";
  return "";
}

async function loadSources() {
  try {
    const { items } = await api("/sources");
    const select = $("source");
    const chosen = select.value;
    for (const source of items) {
      const exists = [...select.options].find((o) => o.value.toLowerCase() === source.name.toLowerCase());
      const text = `${source.name} (${source.articles})`;
      if (exists) {
        exists.value = source.name;
        exists.textContent = text;
      } else {
        select.append(el("option", { value: source.name }, text));
      }
    }
    const match = [...select.options].find((o) => o.value.toLowerCase() === chosen.toLowerCase());
    select.value = match ? match.value : "";
  } catch (error) {
    if (error.name !== "AbortError") console.warn("newswire: sources not loaded:", error.message);
  }
}

// ---------------------------------------------------------------- the list

let current = readLocation();
let listKey = null;
let chartKey = null;
let nextCursor = null;
let listAbort = null;
let shown = 0;

function labelChips(labels) {
  return Object.entries(labels || {})
    .sort((a, b) => b[1] - a[1])
    .map(([label, score]) =>
      el(
        "li",
        { class: `chip chip-label tone-${tone(label)}`, "data-testid": "label-chip", "data-label": label,
          title: `${label}, score ${score}` },
        label,
        el("span", { class: "score" }, Number(score).toFixed(2)),
      ),
    );
}

function countryChips(codes, mainPair) {
  const main = new Set(mainPair || []);
  return (codes || []).map((code) =>
    el("li", { class: `chip chip-country${main.has(code) ? " main" : ""}`, "data-testid": "country-chip",
               "data-country": code, title: main.has(code) ? "main pair" : null }, code),
  );
}

function articleHref(id) {
  return `#article=${encodeURIComponent(id)}`;
}

function renderItem(item) {
  const link = el("a", { href: articleHref(item.id), "data-testid": "article-link-list" }, item.title || "(no title)");
  const chips = el("ul", { class: "chips", "aria-label": "Labels and countries" },
    ...labelChips(item.labels), ...countryChips(item.countries, item.main_pair));
  let excerpt = null;
  if (item.snippet) {
    // The one server string put in as HTML: the API escapes the text and only adds <mark>.
    excerpt = el("p", { class: "snippet", "data-testid": "snippet" });
    excerpt.innerHTML = item.snippet;
  } else if (item.summary) {
    excerpt = el("p", { class: "summary" }, item.summary);
  }
  return el(
    "li",
    { class: "item", "data-testid": "article-item", "data-id": item.id,
      "aria-current": String(item.id) === current.article ? "true" : null },
    el("h3", { class: "item-title" }, link),
    el("p", { class: "meta" }, el("span", { class: "source" }, item.source || "unknown source"), " · ",
       timeEl(item.published_at, longDate(item.published_at))),
    chips.childElementCount ? chips : null,
    excerpt,
  );
}

function updateExports(state) {
  const params = apiParams(state);
  params.delete("sort");
  for (const [id, path] of [["export-csv", "/articles.csv"], ["export-ndjson", "/articles.ndjson"],
    ["export-rss", "/articles.rss"], ["export-atom", "/articles.atom"]]) {
    $(id).href = withQuery(path, params);
  }
}

function describeQuery(state) {
  const parts = [];
  if (state.q) parts.push(`matching “${state.q}”`);
  if (state.label) parts.push(`labelled ${state.label}`);
  if (state.countries.length) {
    parts.push(`mentioning ${state.countries.join(state.countryMode === "all" ? " and " : " or ")}`);
  }
  if (state.source) parts.push(`from ${state.source}`);
  if (state.since && state.until) parts.push(`published ${state.since} to ${state.until}`);
  else if (state.since) parts.push(`published since ${state.since}`);
  else if (state.until) parts.push(`published up to ${state.until}`);
  return parts.join(", ");
}

async function loadList(append = false) {
  listAbort?.abort();
  listAbort = new AbortController();
  const { signal } = listAbort;
  const params = apiParams(current);
  params.set("limit", String(current.limit || PAGE_SIZE));
  if (append && nextCursor) params.set("cursor", nextCursor);
  const list = $("article-list");
  const more = $("more-button");
  more.disabled = true;
  $("status").textContent = append ? "Loading more…" : "Loading…";
  $("results").setAttribute("aria-busy", "true");
  try {
    const page = await api("/articles", params, signal);
    if (!append) {
      list.replaceChildren();
      shown = 0;
    }
    const added = page.items.map(renderItem);
    list.append(...added);
    shown += page.items.length;
    if (append && added.length) added[0].querySelector("a").focus(); // the reader goes on where the page grew
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    $("list-empty").hidden = shown > 0;
    const what = describeQuery(current);
    const count = `${shown} ${shown === 1 ? "story" : "stories"}${nextCursor ? " shown, more below" : ""}`;
    $("status").textContent = what ? `${count} ${what}.` : `${count}, newest first.`;
    showError("");
  } catch (error) {
    if (error.name === "AbortError") return;
    if (!append) {
      list.replaceChildren();
      shown = 0;
      more.hidden = true;
    }
    $("status").textContent = "The stories could not be loaded.";
    showError(`The stories could not be loaded: ${error.message}`);
  } finally {
    if (!signal.aborted) {
      more.disabled = false;
      $("results").removeAttribute("aria-busy");
    }
  }
}

// ---------------------------------------------------------------- the chart

let chartData = null;

function chartRange(state) {
  const today = todayUTC();
  let until = state.until || (state.since ? addDays(state.since, CHART_DEFAULT_DAYS - 1) : today);
  if (!state.until && until > today) until = today;
  const since = state.since || addDays(until, -(CHART_DEFAULT_DAYS - 1));
  return { since, until };
}

async function loadChart() {
  const { since, until } = chartRange(current);
  $("chart-range").textContent = `${axisFull.format(parseDay(since))} – ${axisFull.format(parseDay(until))}`;
  if (since > until) {
    chartData = { since, until, days: [], label: current.label, message: "The date range is empty." };
    drawChart();
    return;
  }
  const params = new URLSearchParams({ since, until: addDays(until, 1), by: "label" });
  if (current.label) params.set("label", current.label);
  try {
    const stats = await api("/stats", params);
    chartData = { since, until, days: stats.days || [], label: current.label, message: "" };
  } catch (error) {
    chartData = { since, until, days: [], label: current.label,
                  message: `The chart could not be loaded: ${error.message}` };
  }
  drawChart();
}

function niceStep(max) {
  const rough = Math.max(1, max / 5);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) {
    if (factor * power >= rough) return Math.max(1, factor * power);
  }
  return 10 * power;
}

function drawChart() {
  const canvas = $("chart-canvas");
  const empty = $("chart-empty");
  const legend = $("chart-legend");
  const table = $("chart-table");
  canvas.replaceChildren();
  legend.replaceChildren();
  table.replaceChildren();
  if (!chartData) return;
  const { since, until, days, label, message } = chartData;

  const allDays = [];
  for (let day = since; day && day <= until; day = addDays(day, 1)) allDays.push(day);
  const counts = new Map(days.map((d) => [d.day, d.counts || {}]));
  const series = [...new Set(days.flatMap((d) => Object.keys(d.counts || {})))]
    .filter((name) => !label || name === label)
    .sort((a, b) => tone(a) - tone(b) || a.localeCompare(b));
  const total = (name) => allDays.reduce((sum, day) => sum + ((counts.get(day) || {})[name] || 0), 0);
  const live = series.filter((name) => total(name) > 0);

  if (!live.length || !allDays.length) {
    empty.textContent = message || `No labelled stories between ${since} and ${until}.`;
    empty.hidden = false;
    canvas.hidden = true;
    return;
  }
  empty.hidden = true;
  canvas.hidden = false;

  const width = Math.max(300, Math.round(canvas.clientWidth || 900));
  const height = width < 600 ? 220 : 260;
  const margin = { top: 12, right: 14, bottom: 46, left: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = Math.max(1, ...allDays.flatMap((day) => live.map((name) => (counts.get(day) || {})[name] || 0)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const y = (value) => margin.top + plotH - (value / top) * plotH;
  const slot = plotW / allDays.length;
  const x = (index) => margin.left + index * slot;

  const summary = live.map((name) => `${name}: ${total(name)}`).join(", ");
  const chart = svg("svg", {
    class: "chart-svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-labelledby": "chart-svg-title chart-svg-desc", "data-testid": "chart-svg",
  },
  svg("title", { id: "chart-svg-title" }, "Labelled stories per day"),
  svg("desc", { id: "chart-svg-desc" }, `Stories per day from ${since} to ${until}: ${summary}.`));

  // Y axis: gridlines and tick labels.
  const axes = svg("g", { class: "axes" });
  for (let value = 0; value <= top; value += step) {
    axes.append(
      svg("line", { class: "grid", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }),
      svg("text", { class: "tick", x: margin.left - 6, y: y(value), "text-anchor": "end",
                    "dominant-baseline": "middle" }, String(value)),
    );
  }
  // X axis: a few day labels.
  const labels = Math.max(2, Math.min(allDays.length, Math.floor(plotW / 90)));
  const every = Math.max(1, Math.ceil(allDays.length / labels));
  const longRange = allDays.length > 400;
  for (let i = 0; i < allDays.length; i += every) {
    const cx = x(i) + slot / 2;
    const when = parseDay(allDays[i]);
    axes.append(
      svg("line", { class: "tick-mark", x1: cx, x2: cx, y1: margin.top + plotH, y2: margin.top + plotH + 4 }),
      svg("text", { class: "tick", x: cx, y: margin.top + plotH + 16, "text-anchor": "middle" },
          (longRange ? axisMonth : axisDay).format(when)),
    );
  }
  axes.append(
    svg("line", { class: "axis", x1: margin.left, x2: width - margin.right, y1: margin.top + plotH,
                  y2: margin.top + plotH }),
    svg("line", { class: "axis", x1: margin.left, x2: margin.left, y1: margin.top, y2: margin.top + plotH }),
    svg("text", { class: "axis-title", x: margin.left + plotW / 2, y: height - 6, "text-anchor": "middle" },
        "day published (UTC)"),
    svg("text", { class: "axis-title", x: 12, y: margin.top + plotH / 2, "text-anchor": "middle",
                  transform: `rotate(-90 12 ${margin.top + plotH / 2})` }, "stories"),
  );
  chart.append(axes);

  const marks = svg("g", { class: "marks" });
  if (allDays.length <= CHART_BAR_DAYS) {
    const barW = Math.max(1, Math.min(28, (slot * 0.8) / live.length));
    const offset = (slot - barW * live.length) / 2;
    allDays.forEach((day, i) => {
      live.forEach((name, s) => {
        const count = (counts.get(day) || {})[name] || 0;
        if (!count) return;
        marks.append(svg("rect", {
          class: `bar tone-${tone(name)}`, x: x(i) + offset + s * barW, y: y(count),
          width: Math.max(1, barW - (live.length > 1 ? 1 : 0)), height: Math.max(1, y(0) - y(count)),
          "data-testid": "chart-bar", "data-label": name, "data-day": day, "data-count": count,
        }, svg("title", {}, `${axisFull.format(parseDay(day))}: ${count} ${name}`)));
      });
    });
  } else {
    for (const name of live) {
      const points = allDays.map((day, i) => `${x(i) + slot / 2},${y((counts.get(day) || {})[name] || 0)}`);
      marks.append(svg("polyline", { class: `line tone-${tone(name)}`, points: points.join(" "),
                                     "data-label": name }));
      allDays.forEach((day, i) => {
        const count = (counts.get(day) || {})[name] || 0;
        if (!count) return;
        marks.append(svg("circle", {
          class: `point tone-${tone(name)}`, cx: x(i) + slot / 2, cy: y(count), r: 2.5,
          "data-testid": "chart-point", "data-label": name, "data-day": day, "data-count": count,
        }, svg("title", {}, `${axisFull.format(parseDay(day))}: ${count} ${name}`)));
      });
    }
  }
  chart.append(marks);
  canvas.append(chart);

  legend.append(...live.map((name) => el("li", { "data-label": name },
    el("span", { class: `swatch tone-${tone(name)}`, "aria-hidden": "true" }), `${name} (${total(name)})`)));

  const rows = allDays.filter((day) => live.some((name) => (counts.get(day) || {})[name]));
  table.append(el("table", { class: "counts" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "day"),
      ...live.map((name) => el("th", { scope: "col" }, name)))),
    el("tbody", {}, ...rows.map((day) => el("tr", {}, el("th", { scope: "row" }, day),
      ...live.map((name) => el("td", {}, String((counts.get(day) || {})[name] || 0))))))));
}

// ---------------------------------------------------------------- the article view

let articleAbort = null;
let openId = null;

/** Where a sentence sits in a paragraph: exact, or with any run of white space between its words. */
function findSentence(text, sentence) {
  const found = [];
  const needle = sentence.trim();
  if (!needle) return found;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    found.push([at, at + needle.length]);
  }
  if (found.length) return found;
  const words = needle.split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(words.join("\\s+"), "g");
  for (const match of text.matchAll(pattern)) found.push([match.index, match.index + match[0].length]);
  return found;
}

/** A paragraph as text nodes and <mark class="evidence evidence-LABEL"> around evidence sentences. */
function markedParagraph(text, evidence) {
  const ranges = [];
  for (const [label, sentences] of evidence) {
    for (const sentence of sentences) {
      for (const [start, end] of findSentence(text, sentence)) ranges.push({ start, end, label });
    }
  }
  const paragraph = el("p");
  if (!ranges.length) {
    paragraph.textContent = text;
    return paragraph;
  }
  const cuts = [...new Set([0, text.length, ...ranges.flatMap((r) => [r.start, r.end])])].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i < cuts.length - 1; i += 1) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const labels = [...new Set(ranges.filter((r) => r.start <= from && r.end >= to).map((r) => r.label))].sort();
    const last = pieces.at(-1);
    if (last && last.labels.join() === labels.join()) last.to = to;
    else pieces.push({ from, to, labels });
  }
  for (const { from, to, labels } of pieces) {
    const piece = text.slice(from, to);
    if (!labels.length) {
      paragraph.append(document.createTextNode(piece));
      continue;
    }
    const mark = el("mark", {
      class: ["evidence", ...labels.map((l) => `evidence-${slug(l)}`)].join(" "),
      title: `evidence for ${labels.join(" and ")}`, "data-testid": "evidence-mark", "data-labels": labels.join(" "),
    });
    mark.textContent = piece;
    paragraph.append(mark);
  }
  return paragraph;
}

function renderText(article) {
  const container = $("article-text");
  const assigned = new Set(Object.keys(article.labels || {}));
  const evidence = Object.entries(article.evidence || {})
    .filter(([label]) => assigned.has(label))
    .map(([label, found]) => [label, (found && found.sentences) || []]);
  const paragraphs = String(article.text || "").split(/\n+/).map((p) => p.trim()).filter(Boolean);
  container.replaceChildren(...paragraphs.map((p) => markedParagraph(p, evidence)));
  if (!paragraphs.length) container.append(el("p", { class: "muted" }, "No text was stored for this story."));
  const legend = $("evidence-legend");
  legend.replaceChildren();
  if (evidence.some(([, sentences]) => sentences.length)) {
    legend.append("Highlighted: the sentences behind ",
      ...evidence.flatMap(([label], i) => [i ? " and " : "",
        el("mark", { class: `evidence evidence-${slug(label)}` }, label)]),
      ".");
  }
}

function safeUrl(href, base) {
  try {
    const url = new URL(href, base || location.href);
    return URL_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** The sanitised HTML, parsed in an inert document, cleaned once more, then imported. Images are
 * shown as links (the CSP would block them from other hosts and they would ping the publisher). */
function renderOriginal(article) {
  const container = $("article-original");
  const doc = new DOMParser().parseFromString(String(article.html || ""), "text/html");
  const body = doc.body;
  body.querySelectorAll("script, style, link, meta, base, iframe, frame, frameset, object, embed, applet, form, "
    + "template, noscript, svg, math").forEach((node) => node.remove());
  for (const node of body.querySelectorAll("*")) {
    for (const { name } of [...node.attributes]) {
      if (/^on/i.test(name) || name === "style" || name === "srcset" || name === "id" || name === "class") {
        node.removeAttribute(name);
      }
    }
  }
  const base = article.url || undefined;
  for (const link of body.querySelectorAll("a")) {
    const url = link.hasAttribute("href") ? safeUrl(link.getAttribute("href"), base) : null;
    if (url) {
      link.setAttribute("href", url);
      link.setAttribute("rel", "noopener noreferrer nofollow");
      link.setAttribute("target", "_blank");
    } else {
      link.removeAttribute("href");
    }
  }
  for (const image of body.querySelectorAll("img")) {
    const url = image.hasAttribute("src") ? safeUrl(image.getAttribute("src"), base) : null;
    const text = `[image${image.getAttribute("alt") ? `: ${image.getAttribute("alt")}` : ""}]`;
    const standIn = doc.createElement(url ? "a" : "span");
    standIn.className = "image-link";
    standIn.textContent = text;
    if (url) {
      standIn.setAttribute("href", url);
      standIn.setAttribute("rel", "noopener noreferrer nofollow");
      standIn.setAttribute("target", "_blank");
    }
    image.replaceWith(standIn);
  }
  container.replaceChildren(...[...body.childNodes].map((node) => document.importNode(node, true)));
  if (!container.childNodes.length) {
    container.append(el("p", { class: "muted" }, "No formatted copy was stored for this story."));
  }
}

function renderEvidence(article) {
  const list = $("article-evidence");
  list.replaceChildren();
  const assigned = article.labels || {};
  const scores = article.scores || {};
  for (const [label, found] of Object.entries(article.evidence || {})) {
    const terms = (found && found.terms) || [];
    if (!terms.length && !(label in assigned)) continue;
    const against = terms.filter((t) => t.startsWith("-")).map((t) => t.slice(1));
    const towards = terms.filter((t) => !t.startsWith("-"));
    const score = assigned[label] ?? scores[label];
    list.append(el("dt", { "data-label": label },
      el("span", { class: `chip chip-label tone-${tone(label)}` }, label,
        score !== undefined ? el("span", { class: "score" }, Number(score).toFixed(2)) : null),
      label in assigned ? "" : el("span", { class: "muted" }, " not assigned")));
    const dd = el("dd", { "data-label": label, "data-testid": "evidence-terms" });
    if (towards.length) {
      dd.append(el("ul", { class: "chips terms", "aria-label": `terms for ${label}` },
        ...towards.map((t) => el("li", { class: "chip term" }, t))));
    }
    if (against.length) {
      dd.append(el("p", { class: "against" }, el("span", { class: "muted" }, "against: "),
        el("ul", { class: "chips terms", "aria-label": `terms against ${label}` },
          ...against.map((t) => el("li", { class: "chip term term-against" }, t)))));
    }
    if (!towards.length && !against.length) dd.append(el("span", { class: "muted" }, "no terms"));
    list.append(dd);
  }
  if (!list.childElementCount) list.append(el("dd", { class: "muted" }, "No evidence for any label."));
}

function emptyItem(list, text) {
  list.append(el("li", { class: "muted" }, text));
}

function renderFacts(article) {
  const countries = $("article-countries");
  countries.replaceChildren();
  const main = new Set(article.main_pair || []);
  for (const country of article.countries || []) {
    countries.append(el("li", {
      class: `chip chip-country fact${main.has(country.code) ? " main" : ""}`, "data-country": country.code,
      title: [main.has(country.code) ? "main pair" : "", country.in_title ? "in the title" : ""]
        .filter(Boolean).join(", ") || null,
    }, el("span", { class: "name" }, country.name || country.code), el("span", { class: "code" }, country.code),
    country.count ? el("span", { class: "score" }, `×${country.count}`) : null,
    country.in_title ? el("span", { class: "in-title" }, "in title") : null));
  }
  if (!countries.childElementCount) emptyItem(countries, "none found");

  const people = $("article-people");
  people.replaceChildren();
  for (const person of article.people || []) {
    const details = [person.role, person.country].filter(Boolean).join(", ");
    people.append(el("li", {}, person.rank ? `${person.rank} ` : "", el("strong", {}, person.name),
      details ? ` — ${details}` : ""));
  }
  if (!people.childElementCount) emptyItem(people, "none found");

  const organisations = $("article-organisations");
  organisations.replaceChildren();
  for (const org of article.organisations || []) {
    const details = [org.id, org.country].filter(Boolean).join(" · ");
    organisations.append(el("li", {}, el("strong", {}, org.name || org.id),
      details ? ` (${details})` : "", org.count > 1 ? ` ×${org.count}` : ""));
  }
  if (!organisations.childElementCount) emptyItem(organisations, "none found");

  const events = $("article-events").tBodies[0];
  events.replaceChildren();
  for (const event of article.events || []) {
    events.append(el("tr", {},
      el("td", { "data-title": "Event" }, String(event.type || "").replaceAll("_", " "),
        event.cameo ? el("span", { class: "muted cameo" }, ` CAMEO ${event.cameo}`) : null),
      el("td", { "data-title": "Actors" }, (event.actors || []).join(", ") || "—"),
      el("td", { "data-title": "Date", class: "date" }, event.date || "—"),
      el("td", { "data-title": "Sentence" }, event.sentence || "")));
  }
  if (!events.childElementCount) {
    events.append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "none found")));
  }

  const revisions = $("article-revisions");
  revisions.replaceChildren(...(article.revisions || []).map((r) =>
    el("li", {}, `Revision ${r.revision}, replaced ${longDate(r.replaced_at)}: `, el("em", {}, r.title || ""))));
  $("article-revisions-section").hidden = !revisions.childElementCount;
}

function renderCluster(article) {
  const section = $("article-cluster");
  section.replaceChildren();
  const cluster = article.cluster;
  const members = (cluster && cluster.articles) || [];
  const others = members.filter((m) => m.id !== article.id);
  if (!others.length) {
    section.hidden = true;
    return;
  }
  const first = members[0];
  const line = el("p", { class: "cluster-line", "data-testid": "cluster-line" },
    el("strong", {}, "Also reported by: "));
  others.forEach((member, i) => {
    if (i) line.append(", ");
    const isFirst = first && member.id === first.id;
    line.append(
      el("a", { href: articleHref(member.id), title: member.title, "data-testid": "cluster-link",
                "data-id": member.id }, member.source || "unknown source"),
      " (", timeEl(member.published_at, shortDate(member.published_at)), ")",
      isFirst ? el("span", { class: "badge badge-first", title: "published it first" }, "first") : "",
    );
  });
  section.append(line);
  if (first && first.id === article.id) {
    section.append(el("p", { class: "muted", "data-testid": "cluster-first" },
      el("span", { class: "badge badge-first" }, "first"), ` ${article.source} published this story first.`));
  }
  section.hidden = false;
}

function renderArticle(article) {
  $("article-title").textContent = article.title || "(no title)";
  const meta = $("article-meta");
  meta.replaceChildren(el("span", { class: "source" }, article.source || "unknown source"), " · ",
    timeEl(article.published_at, longDate(article.published_at)));
  if (article.authors && article.authors.length) meta.append(" · by ", article.authors.join(", "));
  if (article.language) meta.append(" · ", el("span", { title: "language" }, article.language));
  const link = $("article-link");
  const href = safeUrl(article.url || article.canonical_url || "");
  link.hidden = !href;
  if (href) link.href = href;
  else link.removeAttribute("href");
  $("article-labels").replaceChildren(...labelChips(article.labels));
  if (!$("article-labels").childElementCount) emptyItem($("article-labels"), "no label");
  renderCluster(article);
  renderText(article);
  renderOriginal(article);
  renderEvidence(article);
  renderFacts(article);
  showOriginal($("toggle-original").checked);
}

function showOriginal(on) {
  $("article-original").hidden = !on;
  $("article-text").hidden = on;
  $("evidence-legend").hidden = on;
}

function markCurrent(id) {
  for (const item of document.querySelectorAll("#article-list > li")) {
    if (item.dataset.id === id) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

async function openArticle(id, byReader = true) {
  if (openId === id && !$("article-view").hidden) return;
  openId = id;
  articleAbort?.abort();
  articleAbort = new AbortController();
  const view = $("article-view");
  view.hidden = false;
  $("layout").classList.add("with-article");
  view.setAttribute("aria-busy", "true");
  $("article-loading").textContent = "Loading the story…";
  markCurrent(id);
  try {
    const article = await api(`/articles/${encodeURIComponent(id)}`, null, articleAbort.signal);
    renderArticle(article);
    $("article-loading").textContent = "";
    view.dataset.id = String(article.id);
    view.removeAttribute("aria-busy");
    const top = view.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) view.scrollIntoView({ block: "start", behavior: "instant" });
    if (byReader) $("article-title").focus({ preventScroll: true });
  } catch (error) {
    if (error.name === "AbortError") return;
    view.removeAttribute("aria-busy");
    openId = null;
    $("article-loading").textContent =
      error.status === 404 ? "There is no such story." : `The story could not be loaded: ${error.message}`;
  }
}

function closeArticleView() {
  articleAbort?.abort();
  openId = null;
  $("article-view").hidden = true;
  delete $("article-view").dataset.id;
  $("layout").classList.remove("with-article");
  markCurrent(null);
}

// ---------------------------------------------------------------- navigation

/** Make the page match its address: form, list, chart and the open article (focused when the reader
 * opened it, not when the page loads from a bookmark). */
function applyLocation(byReader = true) {
  current = readLocation();
  fillForm(current);
  const problem = validate(current);
  const newListKey = `${apiParams(current)}&limit=${current.limit || PAGE_SIZE}`;
  if (problem) {
    showError(problem);
    listKey = null;
    $("article-list").replaceChildren();
    $("more-button").hidden = true;
    $("list-empty").hidden = true;
    $("status").textContent = "Correct the filters above to see stories.";
  } else if (newListKey !== listKey) {
    listKey = newListKey;
    updateExports(current);
    loadList();
  }
  const newChartKey = JSON.stringify([current.since, current.until, current.label]);
  if (newChartKey !== chartKey) {
    chartKey = newChartKey;
    loadChart();
  }
  if (current.article) openArticle(current.article, byReader);
  else closeArticleView();
}

function navigate(state) {
  const url = withQuery(location.pathname, pageParams(state)) + (state.article ? articleHref(state.article) : "");
  history.pushState(null, "", url);
  applyLocation();
}

function closeArticle() {
  const previous = openId;
  navigate({ ...current, article: "" });
  const link = previous && document.querySelector(`#article-list > li[data-id="${CSS.escape(previous)}"] a`);
  (link || $("results-heading")).focus();
}

function init() {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const state = stateFromForm();
    const problem = validate(state);
    if (problem) {
      showError(problem);
      return;
    }
    showError("");
    listKey = null; // a submit always reloads, even with the same filters
    navigate(state);
  });
  $("reset-button").addEventListener("click", () => {
    showError("");
    navigate({ q: "", label: "", countries: [], countryMode: "any", source: "", since: "", until: "",
               sort: "published", key: current.key, limit: 0, article: "" });
  });
  $("more-button").addEventListener("click", () => loadList(true));
  $("close-article").addEventListener("click", closeArticle);
  $("toggle-original").addEventListener("change", (event) => showOriginal(event.target.checked));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("article-view").hidden) closeArticle();
  });
  window.addEventListener("popstate", () => applyLocation());
  window.addEventListener("hashchange", () => applyLocation());
  let resizeTimer = null;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawChart, 120);
  }).observe($("chart-canvas"));
  loadSources();
  applyLocation(false);
}

init();
