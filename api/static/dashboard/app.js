// The dashboard: filters in the URL, KPI tiles, top themes (ECharts) with a theme's trend and products, emerging
// issues, sentiment and service aspects, a classify box with the words behind each label, CSV and XLSX export of
// every panel; the key's scopes (GET /v1/me) decide which panels it may use.
// Every number comes from the public /v1 API (see api.js); API text is always inserted as text, never as HTML.

import { ApiError, apiGet, apiPost, clearKey, describeError, getKey, setKey } from "./api.js";
import * as fmt from "./format.js";
import { workbook } from "./xlsx.js";

/** The KPI tiles, in this order (ids of GET /v1/kpis/catalogue). */
const HEADLINE = ["first_time_fix_rate", "repeat_repair_rate", "resolution_time", "resolution_rate", "csat_rate",
  "nps", "complaint_rate", "negative_rate", "backlog"];
/** Filters passed to the API as they are (comma-separated values). */
const DIMENSIONS = ["product_line", "product_model", "channel", "region", "source"];
const PERIODS = ["7", "30", "90", "all", "custom"];
const DEFAULT_PERIOD = "30";
/** The trends' granularity (the API's period parameter). */
const EVERY = ["week", "month", "day"];
const EVERY_ZH = { week: "周", month: "月", day: "日" };
/** A missed target within this share of it is amber, further away red. */
const AMBER_BAND = 0.1;
/** The API's limit of texts per classify request with explain: true. */
const MAX_EXPLAIN_TEXTS = 50;
/** The scopes in Chinese (GET /v1/me lists them). */
const SCOPE_ZH = { read: "查看", classify: "分类", ingest: "导入", admin: "管理" };

const state = {
  catalogue: new Map(),  // id → definition
  latest: null,          // the data's latest local date (YYYY-MM-DD): "last N days" end there
  filters: {},
  window: null,
  data: { kpis: [], themes: [], emerging: [], negativeTrend: [], aspects: null, impact: [], themeTrend: [],
    themeProducts: [] },
  models: {},            // panel → the model whose predictions it read
  charts: {},            // ECharts instances by container id
  theme: null,           // the theme shown in the details
  me: null,              // GET /v1/me: the key's name, scopes, expiry (null: unknown, every panel tries)
  themeGeneration: 0,
  generation: 0,         // drops answers to an older filter state
};

const $ = (selector) => document.querySelector(selector);

/** A DOM element; children are nodes or strings (strings become text nodes, never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---------------------------------------------------------------- filters <-> URL and the time windows

function filtersFromUrl() {
  const q = new URLSearchParams(location.search);
  const period = PERIODS.includes(q.get("period")) ? q.get("period") : DEFAULT_PERIOD;
  const every = EVERY.includes(q.get("every")) ? q.get("every") : EVERY[0];
  const filters = { period, every, from: q.get("from") || "", to: q.get("to") || "" };
  for (const name of DIMENSIONS) filters[name] = q.get(name) || "";
  return filters;
}

function filtersFromForm() {
  const form = $("#filters");
  const filters = { period: form.period.value, every: form.every.value, from: form.from.value, to: form.to.value };
  for (const name of DIMENSIONS) filters[name] = form[name].value.trim();
  if (filters.period !== "custom") filters.from = filters.to = "";
  return filters;
}

function showFilters(filters) {
  const form = $("#filters");
  form.period.value = filters.period;
  form.every.value = filters.every;
  form.from.value = filters.from;
  form.to.value = filters.to;
  for (const name of DIMENSIONS) {
    const input = form[name];
    if (input.tagName === "SELECT" && filters[name] && ![...input.options].some((o) => o.value === filters[name])) {
      input.append(el("option", { value: filters[name] }, filters[name]));  // a bookmarked value not in the list
    }
    input.value = filters[name];
  }
  form.classList.toggle("custom", filters.period === "custom");
}

/** The filters as the page's own query string (no key, ever). */
function urlOf(filters) {
  const q = new URLSearchParams();
  if (filters.period !== DEFAULT_PERIOD) q.set("period", filters.period);
  if (filters.period === "custom") {
    if (filters.from) q.set("from", filters.from);
    if (filters.to) q.set("to", filters.to);
  }
  for (const name of DIMENSIONS) if (filters[name]) q.set(name, filters[name]);
  if (filters.every !== EVERY[0]) q.set("every", filters.every);
  const s = q.toString();
  return s ? `?${s}` : location.pathname;
}

/** The current window and the previous one of equal length (null when there is none to compare with). */
function windowsOf(filters) {
  if (filters.period === "all") return { current: {}, previous: null };
  if (filters.period === "custom") {
    const current = { from: filters.from || undefined, to: filters.to || undefined };
    if (!filters.from || !filters.to || filters.from > filters.to) return { current, previous: null };
    const days = fmt.daysBetween(filters.from, filters.to) + 1;
    const to = fmt.addDays(filters.from, -1);
    return { current, previous: { from: fmt.addDays(to, -(days - 1)), to }, days };
  }
  const days = Number(filters.period);
  const end = state.latest || fmt.today();
  const current = { from: fmt.addDays(end, -(days - 1)), to: end };
  const prevTo = fmt.addDays(current.from, -1);
  return { current, previous: { from: fmt.addDays(prevTo, -(days - 1)), to: prevTo }, days };
}

function apiParams(window) {
  const params = { ...window };
  for (const name of DIMENSIONS) if (state.filters[name]) params[name] = state.filters[name];
  return params;
}

function describeWindow(win) {
  const { from, to } = win.current;
  if (!from && !to) return "统计区间：全部数据（不做环比）。";
  let text = `统计区间：${from || "最早"} 至 ${to || "最新"}`;
  if (win.days) text += `（${win.days} 天）`;
  if (win.previous) text += `，对比上一周期 ${win.previous.from} 至 ${win.previous.to}`;
  if (state.latest && state.filters.period !== "custom") text += `；数据最新日期 ${state.latest}`;
  return `${text}。`;
}

// ---------------------------------------------------------------- key, start-up, refresh

function showLogin(message) {
  $("#app").hidden = true;
  $("#login").hidden = false;
  $("#logout").hidden = true;
  $("#key-status").textContent = "未登录";
  $("#key-scopes").hidden = true;
  state.me = null;
  const error = $("#login-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("#api-key").focus();
}

/** An error of any panel: a bad key sends the user back to the key form. */
function handleAuth(err) {
  if (err instanceof ApiError && err.status === 401) {
    clearKey();
    showLogin(describeError(err));
    return true;
  }
  return false;
}

async function enter() {
  try {
    state.me = await apiGet("/v1/me");
  } catch (err) {
    if (handleAuth(err)) return;
    state.me = null;  // not known (e.g. a busy server): every panel tries and explains its own 403
  }
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  showBanner("");
  showKey(state.me);
  applyScopes();
  if (!can("read")) return;  // nothing to load: the note says why
  let catalogue;
  try {
    catalogue = await apiGet("/v1/kpis/catalogue");
  } catch (err) {
    if (handleAuth(err)) return;
    catalogue = { kpis: [] };  // the panels explain what they cannot show
    showBanner(describeError(err));
  }
  state.catalogue = new Map(catalogue.kpis.map((d) => [d.id, d]));
  try {
    // The data's "as of" time: backlog is measured at the newest ticket's creation when no window is given.
    const answer = await apiGet("/v1/kpis", { ids: "backlog" });
    state.latest = answer.window?.backlog_at?.slice(0, 10) || null;
  } catch (err) {
    if (handleAuth(err)) return;
    state.latest = null;
  }
  showFilters(state.filters);
  await refresh();
}

/** Whether the key may use ``scope`` (true while its scopes are unknown: the API then answers 403 itself). */
const can = (scope) => !state.me || state.me.allowed.includes(scope);

/** The header's key line: the key's name, its scopes and its expiry (never the key). */
function showKey(me) {
  const scopes = $("#key-scopes");
  if (!me) {
    $("#key-status").textContent = "已使用 API 密钥";
    scopes.hidden = true;
    return;
  }
  $("#key-status").textContent = `密钥「${me.name}」`;
  scopes.hidden = false;
  scopes.dataset.scopes = me.scopes.join(",");
  const expiry = me.expires_at ? ` · 有效期至 ${me.expires_at.slice(0, 16).replace("T", " ")} UTC` : "";
  scopes.replaceChildren("权限：", ...me.scopes.map((s) => el("span", { class: "chip scope", "data-scope": s,
    title: s === "admin" ? "管理（包含所有权限）" : SCOPE_ZH[s] || s }, s)), expiry);
}

/** Hides the panels a key without ``read`` cannot fill and disables the classify box without ``classify``. */
function applyScopes() {
  const notes = [];
  const read = can("read");
  for (const node of document.querySelectorAll("[data-scope=read]")) node.hidden = !read;
  if (!read) notes.push("此密钥没有 read（查看）权限：指标、故障主题、新兴问题和情感面板不可用。");
  const classify = can("classify");
  const form = $("#classify-form");
  for (const control of form.elements) control.disabled = !classify;
  form.classList.toggle("disabled", !classify);
  const denied = $("#classify-denied");
  denied.hidden = classify;
  denied.textContent = classify ? "" : "此密钥没有 classify（分类）权限，文本分类不可用；主题示例也不标出判定依据。"
    + "请换一个带 classify 权限的密钥。";
  if (!classify) $("#classify-result").replaceChildren();
  if (!read && !classify) notes.push("此密钥也没有 classify 权限：看板上没有它能用的功能。");
  const note = $("#scope-note");
  note.hidden = !notes.length;
  note.textContent = notes.join(" ");
}

function showBanner(message) {
  const banner = $("#global-error");
  banner.hidden = !message;
  banner.textContent = message || "";
}

async function refresh() {
  if (!can("read")) return;  // the read panels are hidden
  const generation = ++state.generation;
  state.window = windowsOf(state.filters);
  $("#window-note").textContent = describeWindow(state.window);
  const themes = loadThemes(generation);
  await Promise.all([loadKpis(generation), themes, loadEmerging(generation, themes), loadNegativeTrend(generation),
    loadAspects(generation), loadImpact(generation)]);
}

function applyFilters(filters, push) {
  state.filters = filters;
  showFilters(filters);
  if (push) history.pushState(null, "", urlOf(filters));
  refresh();
}

// ---------------------------------------------------------------- KPI tiles

async function loadKpis(generation) {
  const box = $("#kpi-tiles");
  box.replaceChildren(el("p", { class: "muted" }, "加载中…"));
  const ids = HEADLINE.join(",");
  const { current, previous } = state.window;
  try {
    const [now, before] = await Promise.all([
      apiGet("/v1/kpis", { ids, ...apiParams(current) }),
      previous ? apiGet("/v1/kpis", { ids, ...apiParams(previous) }) : null,
    ]);
    if (generation !== state.generation) return;
    state.models.kpis = now.model || "";
    const totals = (answer) => new Map((answer?.results || []).filter((r) => r.group === null && r.period === null)
      .map((r) => [r.id, r]));
    const nowById = totals(now);
    const beforeById = totals(before);
    state.data.kpis = HEADLINE.filter((id) => nowById.has(id)).map((id) => ({
      result: nowById.get(id), previous: beforeById.get(id) || null, definition: state.catalogue.get(id) || {},
    }));
    box.replaceChildren(...state.data.kpis.map(kpiTile));
    if (!state.data.kpis.length) box.replaceChildren(el("p", { class: "muted" }, "没有指标。"));
  } catch (err) {
    if (generation !== state.generation || handleAuth(err)) return;
    state.data.kpis = [];
    box.replaceChildren(el("p", { class: "error" }, describeError(err)));
  }
}

/** green / amber / red against the API's target and met; none without a value or a target. */
function ragOf(result) {
  if (result.value === null || result.met === null || result.target === null) return "none";
  if (result.met) return "green";
  const near = Math.abs(result.value - result.target) <= AMBER_BAND * Math.abs(result.target);
  return near ? "amber" : "red";
}

const RAG_TEXT = { green: "达标", amber: "接近目标", red: "未达标", none: "无目标" };

function targetText(definition, result) {
  if (result.target === null || result.target === undefined) return "未设目标";
  const op = definition.direction === "lower" ? "≤" : "≥";
  return `目标 ${op} ${fmt.kpiValue(result.target, result.unit)}`;
}

function kpiTile(item) {
  const { result, previous, definition } = item;
  const rag = ragOf(result);
  const change = fmt.kpiChange(result.value, previous?.value ?? null, result.unit);
  let changeNode = el("span", { class: "change muted" }, previous ? "上期无数据" : "无对比周期");
  if (change) {
    const better = definition.direction === "higher" ? change.diff > 0 : definition.direction === "lower"
      ? change.diff < 0 : null;
    const tone = change.diff === 0 || better === null ? "flat" : better ? "good" : "bad";
    changeNode = el("span", { class: `change ${tone}`, title: `上期 ${fmt.kpiValue(previous.value, result.unit)}` },
      `较上期 ${change.text}`);
  }
  return el("button", { type: "button", class: `tile rag-${rag}`, "data-kpi": result.id, onclick: () => openKpi(item) },
    el("span", { class: "tile-name" }, result.name_zh),
    el("span", { class: "tile-value" }, fmt.kpiValue(result.value, result.unit)),
    result.value === null
      ? el("span", { class: "tile-reason" }, `无法计算：${result.reason || "无数据"}`)
      : changeNode,
    el("span", { class: "tile-target" }, `${targetText(definition, result)} · ${RAG_TEXT[rag]}`));
}

function openKpi({ result, previous, definition }) {
  const row = (label, value) => (value === null || value === undefined || value === "" ? null
    : el("tr", {}, el("th", {}, label), el("td", {}, value)));
  const details = Object.entries(result.details || {}).map(([k, v]) =>
    row(k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)));
  $("#kpi-dialog-body").replaceChildren(
    el("h3", {}, result.name_zh, el("small", { class: "muted" }, ` ${result.id}`)),
    el("table", { class: "definition" }, el("tbody", {},
      row("类别", definition.category_zh),
      row("当前值", fmt.kpiValue(result.value, result.unit)),
      row("无法计算的原因", result.reason),
      row("上期值", previous ? fmt.kpiValue(previous.value, result.unit) : null),
      row("目标", targetText(definition, result)),
      row("公式", definition.formula),
      row("说明", definition.description),
      row("分子", result.numerator === null ? null : fmt.count(result.numerator)),
      row("分母", result.denominator === null ? null : fmt.count(result.denominator)),
      row("样本量", result.sample_size === null ? null : fmt.count(result.sample_size)),
      row("主值", definition.headline),
      ...details)));
  $("#kpi-dialog").showModal();
}

// ---------------------------------------------------------------- top themes

async function loadThemes(generation) {
  const status = $("#themes-status");
  status.textContent = "加载中…";
  status.className = "status muted";
  try {
    const answer = await apiGet("/v1/themes/top", { top: 10, ...apiParams(state.window.current) });
    if (generation !== state.generation) return;
    state.data.themes = answer.themes;
    status.textContent = answer.themes.length ? `模型 ${answer.model}` : "此范围内没有故障主题。";
    state.models.themes = answer.model;
    renderThemeChart(answer.themes);
    const shown = state.theme && answer.themes.find((t) => t.fault_type === state.theme.fault_type);
    if (shown) showTheme(shown);  // the same theme, for the new filters
    else clearTheme(answer.themes.length ? "点击左侧柱条。" : "");
  } catch (err) {
    if (generation !== state.generation || handleAuth(err)) return;
    state.data.themes = [];
    renderThemeChart([]);
    clearTheme("");
    status.textContent = describeError(err);
    status.className = "status error";
  }
}

/** The ECharts instance drawn in #id (made once; null without the library, with a note in its place). */
function chartIn(id) {
  const node = document.getElementById(id);
  if (!window.echarts) {
    node.textContent = "图表库未加载。";
    return null;
  }
  let chart = state.charts[id];
  if (!chart || chart.getDom() !== node) {
    chart?.dispose();
    chart = state.charts[id] = window.echarts.init(node, null, { renderer: "canvas" });
  }
  return chart;
}

function renderThemeChart(themes) {
  const node = $("#themes-chart");
  const fresh = !state.charts["themes-chart"];
  const chart = chartIn("themes-chart");
  if (!chart) return;
  if (fresh) chart.on("click", (event) => showTheme(state.data.themes[event.dataIndex]));
  node.classList.toggle("empty", !themes.length);
  chart.resize();
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "item", formatter: (p) => {
      const t = themes[p.dataIndex];
      return `${t.name_zh}<br>${fmt.count(t.count)} 条 · 占比 ${fmt.percent(t.share)} · 负面 ${fmt.percent(t.negative_rate)}`;
    } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: themes.map((t) => t.name_zh), axisLabel: { width: 110, overflow: "truncate" } },
    series: [{ type: "bar", data: themes.map((t) => t.count), itemStyle: { color: "#3d6fb6" },
      emphasis: { itemStyle: { color: "#d9822b" } }, cursor: "pointer",
      label: { show: true, position: "right", formatter: (p) => fmt.count(p.value) } }],
  }, true);
}

function keywordChips(keywords) {
  return el("div", { class: "chips" }, (keywords || []).map((k) =>
    el("span", { class: "chip", title: `出现 ${k.count} 次，占 ${fmt.percent(k.share)}` }, k.word)));
}

/** The details of one theme: summary, trend and products (fetched now), keywords, sub-themes and examples. */
function showTheme(theme) {
  if (!theme) return;
  state.theme = theme;
  const change = theme.change_rate === null || theme.change_rate === undefined ? null
    : `较上期 ${theme.change >= 0 ? "+" : ""}${fmt.count(theme.change)} 条 (${fmt.percent(theme.change_rate)})`;
  const impact = theme.impact?.satisfaction_impact;
  $("#theme-detail-body").replaceChildren(el("div", {},  // el() drops the missing parts
    el("h3", {}, theme.name_zh, el("small", { class: "muted" }, ` ${theme.fault_type}`)),
    el("p", {}, `${fmt.count(theme.count)} 条，占 ${fmt.percent(theme.share)}，负面 ${fmt.percent(theme.negative_rate)}`,
      change ? `；${change}` : "",
      impact === null || impact === undefined ? "" : `；对满意度的影响 ${impact.toFixed(2)}`)));
  $("#theme-evidence").replaceChildren(el("div", {},
    el("h4", {}, "关键词"), keywordChips(theme.keywords),
    theme.sub_themes?.length ? el("h4", {}, "子主题") : null,
    theme.sub_themes?.length ? el("ul", { class: "sub-themes" }, theme.sub_themes.map((s) => el("li", {},
      el("strong", {}, s.name), ` · ${fmt.count(s.count)} 条 (${fmt.percent(s.share)})`, keywordChips(s.keywords),
      s.examples?.length ? el("p", { class: "example" }, s.examples[0]) : null))) : null,
    el("h4", {}, "示例（已脱敏）"),
    theme.examples?.length ? [el("p", { class: "status muted", id: "examples-note" }),
      el("ul", { class: "examples" }, theme.examples.map((text) => el("li", { "data-example": text }, text)))]
      : el("p", { class: "muted" }, "无示例。")));
  $("#theme-views").hidden = false;
  loadThemeViews(theme);  // a new theme generation: answers for the previous theme are dropped
  explainExamples(theme);
}

/** The example texts with the words that drove the theme's label marked: one POST /v1/classify (explain: true)
 * for all of them; the label is ``fault:CODE``. Without the classify scope: the plain texts and a note. */
async function explainExamples(theme) {
  const note = $("#examples-note");
  if (!note) return;
  const nodes = [...document.querySelectorAll("#theme-evidence li[data-example]")];
  if (!can("classify")) {
    note.textContent = "此密钥没有 classify 权限，示例未标出推动该判定的词。";
    return;
  }
  const token = state.themeGeneration;
  const generation = state.generation;
  const stale = () => token !== state.themeGeneration || generation !== state.generation;
  const texts = [...new Set(nodes.map((node) => node.dataset.example))].slice(0, MAX_EXPLAIN_TEXTS);
  note.textContent = "加载中…";
  try {
    const answer = await apiPost("/v1/classify", { texts, explain: true });
    if (stale()) return;
    const byText = new Map(texts.map((text, i) => [text, answer.results[i]]));
    const label = `fault:${theme.fault_type}`;
    const name = `故障·${theme.name_zh}`;
    let marked = 0;
    for (const node of nodes) {
      const result = byText.get(node.dataset.example);
      const spans = result?.explanations?.[label];
      if (!spans?.length) {
        node.classList.add("unexplained");
        node.title = `模型 ${answer.model} 未判此文本为「${theme.name_zh}」`;
        continue;
      }
      node.replaceChildren(...evidenceText(node.dataset.example, spans, name).childNodes);
      node.dataset.explained = label;
      marked++;
    }
    note.textContent = `标出推动「${theme.name_zh}」判定的词：底色越深权重越大，灰底红线为反对的词，悬停查看权重；`
      + `${marked}/${nodes.length} 条示例被模型 ${answer.model} 判为该主题。`;
    note.title = methodText(answer.results[0]?.explanation_method);
  } catch (err) {
    if (stale() || handleAuth(err)) return;
    note.textContent = `示例的判定依据无法获取：${describeError(err)}`;
    note.className = "status error";
  }
}

function clearTheme(message) {
  state.theme = null;
  state.themeGeneration++;
  state.data.themeTrend = [];
  state.data.themeProducts = [];
  $("#theme-detail-body").replaceChildren(message);
  $("#theme-views").hidden = true;
  $("#theme-evidence").replaceChildren();
}

/** The theme's trend (GET /v1/themes/trend) and the product models carrying it (GET /v1/themes/products). */
async function loadThemeViews(theme) {
  const token = ++state.themeGeneration;
  const generation = state.generation;
  const stale = () => token !== state.themeGeneration || generation !== state.generation;
  const params = { fault_type: theme.fault_type, ...apiParams(state.window.current) };
  const trendStatus = $("#theme-trend-status");
  const productsStatus = $("#theme-products-status");
  const table = $("#theme-products-table");
  for (const status of [trendStatus, productsStatus]) {
    status.textContent = "加载中…";
    status.className = "status muted";
  }
  const trend = apiGet("/v1/themes/trend", { ...params, period: state.filters.every }).then((answer) => {
    if (stale()) return;
    state.data.themeTrend = answer.points;
    state.models.theme_trend = answer.model;
    trendStatus.textContent = answer.points.length ? `按${EVERY_ZH[answer.period]}统计，共 ${fmt.count(
      answer.points.reduce((n, p) => n + p.count, 0))} 条` : "此范围内没有数据。";
    renderTrendChart("theme-trend-chart", answer.points.map((p) => p.period), [
      { name: "提及数", type: "bar", data: answer.points.map((p) => p.count), color: "#3d6fb6" },
      { name: "占已分类反馈", type: "line", yAxisIndex: 1, data: answer.points.map((p) => p.share), color: "#d9822b" },
    ], { shareAxis: true });
  });
  const products = apiGet("/v1/themes/products", { ...params, top: 10 }).then((answer) => {
    if (stale()) return;
    state.data.themeProducts = answer.products;
    state.models.theme_products = answer.model;
    table.hidden = !answer.products.length;
    productsStatus.textContent = answer.products.length ? "" : "此范围内没有涉及的型号。";
    table.tBodies[0].replaceChildren(...answer.products.map((m) => el("tr", {},
      el("td", {}, m.product_line || "未知"), el("td", {}, m.product_model || "未知"),
      el("td", { class: "num" }, fmt.count(m.count)), el("td", { class: "num" }, fmt.percent(m.share_of_theme)),
      el("td", { class: "num" }, fmt.percent(m.rate)), el("td", { class: "num" }, fmt.count(m.negative_count)))));
  });
  const failed = (status, reset) => (err) => {
    if (stale() || handleAuth(err)) return;
    reset();
    status.textContent = describeError(err);
    status.className = "status error";
  };
  await Promise.all([
    trend.catch(failed(trendStatus, () => { state.data.themeTrend = []; renderTrendChart("theme-trend-chart", [], []); })),
    products.catch(failed(productsStatus, () => { state.data.themeProducts = []; table.hidden = true; })),
  ]);
}

/** A time line: bars or lines over the periods; ``shareAxis`` adds a right axis in % for series on axis 1. */
function renderTrendChart(id, periods, series, { shareAxis = false, percentLeft = false } = {}) {
  const chart = chartIn(id);
  if (!chart) return;
  const pct = { type: "value", min: 0, axisLabel: { formatter: (v) => fmt.percent(v, 0) } };
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
    legend: { top: 0, data: series.map((s) => s.name) },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—"
      : Number.isInteger(v) ? fmt.count(v) : fmt.percent(v)) },
    xAxis: { type: "category", data: periods },
    yAxis: [percentLeft ? pct : { type: "value", minInterval: 1 }, ...(shareAxis ? [pct] : [])],
    series: series.map((s) => ({ name: s.name, type: s.type, data: s.data, yAxisIndex: s.yAxisIndex || 0,
      itemStyle: { color: s.color }, lineStyle: { color: s.color }, connectNulls: false, showSymbol: true })),
  }, true);
}

// ---------------------------------------------------------------- emerging issues

/** Fetched alongside the themes, shown after them: a fault-type row links to its theme's details. */
async function loadEmerging(generation, themesShown) {
  const status = $("#emerging-status");
  const table = $("#emerging-table");
  status.textContent = "加载中…";
  status.className = "status muted";
  try {
    const answer = await apiGet("/v1/themes/emerging", { top: 20, ...apiParams(state.window.current) });
    await themesShown;
    if (generation !== state.generation) return;
    state.data.emerging = answer.themes;
    state.models.emerging = answer.model;
    table.hidden = !answer.themes.length;
    status.textContent = answer.themes.length ? "" : "此范围内没有显著上升的问题。";
    table.tBodies[0].replaceChildren(...answer.themes.map(emergingRow));
  } catch (err) {
    if (generation !== state.generation || handleAuth(err)) return;
    state.data.emerging = [];
    table.hidden = true;
    status.textContent = describeError(err);
    status.className = "status error";
  }
}

function emergingRow(issue) {
  const theme = issue.kind === "fault_type" ? state.data.themes.find((t) => t.fault_type === issue.key) : null;
  const evidence = (issue.product_models || []).map((m) => `${m.product_model} ${m.count} (基线 ${m.baseline_mean.toFixed(1)})`);
  return el("tr", { class: theme ? "linked" : null, title: theme ? "点击查看该主题的示例" : null,
    onclick: theme ? () => showTheme(theme) : null },
    el("td", {}, issue.kind === "fault_type" ? "故障类型" : "关键词"),
    el("td", {}, issue.name),
    el("td", {}, issue.product_model || "全部"),
    el("td", { class: "num" }, fmt.count(issue.count)),
    el("td", { class: "num" }, issue.baseline_mean.toFixed(2)),
    el("td", { class: "num" }, issue.ratio === null ? "新出现" : `${issue.ratio.toFixed(1)}×`),
    el("td", { class: "num" }, issue.q_value.toPrecision(2)),
    el("td", {}, evidence.join("；") || "—"),
    // The newest texts behind the rise (masked by the API).
    el("td", { class: "example" }, (issue.examples || []).slice(0, 2).join(" ／ ") || "—"));
}

// ---------------------------------------------------------------- sentiment and service aspects

/** Shows ``message`` in a panel's status line (an error in red). */
function setStatus(selector, message, error = false) {
  const status = $(selector);
  status.textContent = message;
  status.className = `status ${error ? "error" : "muted"}`;
}

/** A panel's loader: shows 加载中…, runs ``load`` and shows its error in the status line (401: the key form). */
async function panel(generation, selector, load, reset) {
  setStatus(selector, "加载中…");
  try {
    await load(() => generation !== state.generation);
  } catch (err) {
    if (generation !== state.generation || handleAuth(err)) return;
    reset();
    setStatus(selector, describeError(err), true);
  }
}

/** The share of negative texts per period: the negative_rate KPI of GET /v1/kpis split by period. */
function loadNegativeTrend(generation) {
  return panel(generation, "#negative-status", async (stale) => {
    const answer = await apiGet("/v1/kpis", { ids: "negative_rate", period: state.filters.every,
      ...apiParams(state.window.current) });
    if (stale()) return;
    const points = answer.results.filter((r) => r.id === "negative_rate" && r.group === null && r.period !== null)
      .sort((a, b) => (a.period < b.period ? -1 : 1));
    state.data.negativeTrend = points;
    state.models.negative_trend = answer.model;
    const reason = answer.results.find((r) => r.value === null)?.reason;
    const latest = points.filter((p) => p.value !== null).at(-1);
    setStatus("#negative-status", latest ? `按${EVERY_ZH[state.filters.every]}统计；最近一期（${latest.period} 起）`
      + `负面占比 ${fmt.percent(latest.value)}，共 ${fmt.count(latest.denominator)} 条已分类反馈`
      : `此范围内没有已分类的反馈${reason ? `（${reason}）` : ""}。`);
    renderTrendChart("negative-chart", points.map((p) => p.period), [
      { name: "负面占比", type: "line", data: points.map((p) => p.value), color: "#d64545" },
    ], { percentLeft: true });
  }, () => { state.data.negativeTrend = []; renderTrendChart("negative-chart", [], []); });
}

/** Aspect × sentiment (GET /v1/themes/aspects) as a table whose cells are shaded by their share of the row. */
function loadAspects(generation) {
  const table = $("#aspects-table");
  return panel(generation, "#aspects-status", async (stale) => {
    const answer = await apiGet("/v1/themes/aspects", apiParams(state.window.current));
    if (stale()) return;
    state.data.aspects = answer;
    state.models.aspects = answer.model;
    const sentiments = answer.sentiments;
    table.hidden = !answer.aspects.length;
    setStatus("#aspects-status", answer.aspects.length ? `${fmt.count(sentiments.reduce((n, s) => n + s.count, 0))} `
      + "条已分类反馈；单元格为提及该维度的反馈数（括号内为行占比）" : "此范围内没有提及服务维度的反馈。");
    table.tHead.replaceChildren(el("tr", {}, el("th", {}, "服务维度"), el("th", { class: "num" }, "提及"),
      sentiments.map((s) => el("th", { class: "num" }, s.name_zh)), el("th", { class: "num" }, "负面占比")));
    table.tBodies[0].replaceChildren(...answer.aspects.map((a) => el("tr", { "data-aspect": a.aspect },
      el("td", {}, a.name_zh), el("td", { class: "num" }, fmt.count(a.total)),
      sentiments.map((s) => {
        const n = a.counts[s.sentiment] || 0;
        const share = a.total ? n / a.total : 0;
        const hue = s.sentiment === "negative" ? "214,69,69" : s.sentiment === "positive" ? "47,158,68" : "61,111,182";
        return el("td", { class: "num", "data-sentiment": s.sentiment, style: `background:rgba(${hue},${(share * 0.6)
          .toFixed(2)})` }, `${fmt.count(n)} (${fmt.percent(share, 0)})`);
      }),
      el("td", { class: "num" }, fmt.percent(a.negative_share)))));
  }, () => { state.data.aspects = null; table.hidden = true; });
}

/** +0.12 / −0.30 / 0.00 (a value that rounds to zero carries no sign). */
function signed(v, digits) {
  if (v === null || v === undefined) return "—";
  const text = Math.abs(v).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${v > 0 ? "+" : "-"}${text}`;
}
const fixed = (v, digits) => (v === null || v === undefined ? "—" : v.toFixed(digits));

/** Each theme's effect on satisfaction and NPS (GET /v1/themes/impact): the theme's texts vs. the rest, with n. */
function loadImpact(generation) {
  const table = $("#impact-table");
  return panel(generation, "#impact-status", async (stale) => {
    const answer = await apiGet("/v1/themes/impact", apiParams(state.window.current));
    if (stale()) return;
    const rows = answer.themes.filter((t) => t.n_scored > 0 || t.n_nps > 0);
    state.data.impact = rows;
    state.models.impact = answer.model;
    table.hidden = !rows.length;
    setStatus("#impact-status", rows.length ? "" : "此范围内没有带满意度或 NPS 评分的反馈。");
    const tone = (v) => (v === null || v === undefined || Number(Math.abs(v).toFixed(2)) === 0 ? null
      : v < 0 ? "bad" : "good");
    table.tBodies[0].replaceChildren(...rows.map((t) => el("tr", { "data-fault-type": t.fault_type,
      class: state.data.themes.some((x) => x.fault_type === t.fault_type) ? "linked" : null,
      onclick: () => showTheme(state.data.themes.find((x) => x.fault_type === t.fault_type)) },
      el("td", {}, t.name_zh),
      el("td", { class: "num" }, fmt.count(t.n_scored)), el("td", { class: "num" }, fixed(t.satisfaction, 2)),
      el("td", { class: "num" }, fmt.count(t.n_scored_without)), el("td", { class: "num" }, fixed(t.satisfaction_without, 2)),
      el("td", { class: `num ${tone(t.satisfaction_impact) || ""}` }, signed(t.satisfaction_impact, 2)),
      el("td", { class: "num" }, fmt.count(t.n_nps)), el("td", { class: "num" }, fixed(t.nps, 1)),
      el("td", { class: "num" }, fixed(t.nps_without, 1)),
      el("td", { class: `num ${tone(t.nps_impact) || ""}` }, signed(t.nps_impact, 1)))));
  }, () => { state.data.impact = []; table.hidden = true; });
}

// ---------------------------------------------------------------- classify

async function classify(event) {
  event.preventDefault();
  const text = $("#classify-text").value;
  const box = $("#classify-result");
  if (!can("classify")) return;  // the box is disabled and says why
  if (!text.trim()) {
    box.replaceChildren(el("p", { class: "error" }, "请先输入一段文本。"));
    return;
  }
  box.replaceChildren(el("p", { class: "muted" }, "分类中…"));
  try {
    const answer = await apiPost("/v1/classify", { text, explain: true });
    box.replaceChildren(classifyResult(answer.results[0], answer.model, text));
  } catch (err) {
    if (handleAuth(err)) return;
    box.replaceChildren(el("p", { class: "error" }, describeError(err)));
  }
}

function scoreBar(label, score, strong) {
  return el("div", { class: `score${strong ? " strong" : ""}` }, el("span", { class: "score-label" }, label),
    el("span", { class: "bar" }, el("span", { style: `width:${Math.round(score * 100)}%` })),
    el("span", { class: "num" }, score.toFixed(2)));
}

/** The kinds of explained labels (the keys of ``explanations``: fault:CODE, primary:CODE, …). */
const LABEL_KIND = { fault: ["故障", "fault_types"], primary: ["主要故障", "primary_fault"],
  sentiment: ["情感", "sentiment"], aspect: ["服务维度", "aspects"] };

const methodText = (method) => (method === "occlusion" ? "权重 = 去掉该词后该标签概率的下降 (occlusion)"
  : method === "linear" ? "权重 = 该词对该标签得分的精确贡献 (linear)" : "");

/** Each explained label of a classify result: its key, a Chinese name, its score and its spans, in the API's order. */
function explainedLabels(result) {
  const names = result.names_zh || {};
  const nameOf = (kind, code) => ({
    fault: names.fault_types?.[result.fault_types.indexOf(code)],
    aspect: names.aspects?.[result.aspects.indexOf(code)],
    primary: names.primary_fault,
    sentiment: names.sentiment,
  })[kind] || code;
  return Object.entries(result.explanations || {}).map(([key, spans]) => {
    const cut = key.indexOf(":");
    const kind = key.slice(0, cut);
    const code = key.slice(cut + 1);
    const [kindName, head] = LABEL_KIND[kind] || [kind, kind];
    const score = result.scores?.[head]?.[code] ?? result.scores?.fault_types?.[code];
    return { key, name: `${kindName}·${nameOf(kind, code)}`, score, spans };
  });
}

/** +1.234 / -0.050: a weight with its sign. */
const weightText = (w) => `${w > 0 ? "+" : "-"}${Math.abs(w).toPrecision(3)}`;

/** ``text`` with one label's spans marked: words that pushed the label up shaded by their weight, words against it
 * underlined in red on grey; a tooltip names the label and the weight. Offsets are the API's code points (Python
 * string indices), so the text is cut as Array.from(text), never by UTF-16 units (an emoji is two of those). */
function evidenceText(text, spans, label) {
  const chars = Array.from(text);
  const max = Math.max(0, ...spans.map((s) => Math.abs(s.weight))) || 1;
  const ordered = spans.filter((s) => s.start >= 0 && s.start < s.end && s.end <= chars.length)
    .sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const span of ordered) {
    if (span.start < at) continue;  // overlapping spans (not sent by the API): the first one wins
    if (span.start > at) parts.push(chars.slice(at, span.start).join(""));
    const strength = 0.15 + 0.7 * (Math.abs(span.weight) / max);
    parts.push(el("mark", { class: span.weight > 0 ? "for" : "against", "data-weight": String(span.weight),
      style: `--strength:${strength.toFixed(2)}`,
      title: `${label}：权重 ${weightText(span.weight)}（${span.weight > 0 ? "支持" : "反对"}该判定）` },
    chars.slice(span.start, span.end).join("")));
    at = span.end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return el("p", { class: "evidence" }, parts);
}

/** The classified text with the evidence of one label, and a chip per explained label to switch between them. */
function evidenceBlock(result, text) {
  const labels = explainedLabels(result);
  if (!labels.length) return el("p", { class: "evidence plain" }, text);
  const holder = el("div", { class: "evidence-text" });
  const chips = labels.map((label) => el("button", { type: "button", class: "chip label-chip", "data-label": label.key,
    title: label.score === undefined ? null : `得分 ${label.score.toFixed(2)}`, onclick: () => select(label) },
  label.name));
  function select(label) {
    for (const chip of chips) chip.setAttribute("aria-pressed", String(chip.dataset.label === label.key));
    holder.dataset.label = label.key;
    holder.replaceChildren(evidenceText(text, label.spans, label.name));
  }
  select(labels[0]);
  return el("div", { class: "evidence-block" },
    el("h4", {}, "判定依据（点击标签切换）"),
    el("div", { class: "chips label-chips" }, chips),
    holder,
    el("p", { class: "legend muted" }, el("mark", { class: "for", style: "--strength:.6" }, "支持"), " 推高该标签（颜色越深权重越大）　",
      el("mark", { class: "against", style: "--strength:.6" }, "反对"), " 压低该标签　", methodText(result.explanation_method)));
}

function classifyResult(result, model, text) {
  const names = result.names_zh || {};
  const faultScores = result.scores?.fault_types || {};
  const predicted = new Map(result.fault_types.map((f, i) => [f, names.fault_types?.[i] || f]));
  const others = Object.entries(faultScores).filter(([f]) => !predicted.has(f)).sort((a, b) => b[1] - a[1]).slice(0, 3);
  const sentimentScores = result.scores?.sentiment || {};
  const aspectNames = new Map(result.aspects.map((a, i) => [a, names.aspects?.[i] || a]));
  return el("div", { class: "classified" },
    el("p", {}, "主要故障：", el("strong", { class: "primary-fault" }, names.primary_fault || result.primary_fault || "无"),
      "　情感：", el("strong", { class: `sentiment ${result.sentiment}` }, names.sentiment || result.sentiment),
      el("small", { class: "muted" }, `　模型 ${model}`)),
    evidenceBlock(result, text),
    el("h4", {}, "故障类型"),
    result.fault_types.length ? [...predicted].map(([f, name]) => scoreBar(name, faultScores[f] ?? 0, true))
      : el("p", { class: "muted" }, "未识别到故障。"),
    others.map(([f, s]) => scoreBar(f, s, false)),
    el("h4", {}, "情感得分"),
    Object.entries(sentimentScores).map(([s, v]) => scoreBar(s, v, s === result.sentiment)),
    el("h4", {}, "服务维度"),
    result.aspects.length ? [...aspectNames].map(([a, name]) => scoreBar(name, result.scores?.aspects?.[a] ?? 0, true))
      : el("p", { class: "muted" }, "未提及服务维度。"),
    result.keywords?.length ? [el("h4", {}, "关键词"), keywordChips(result.keywords.map((word) => ({ word })))] : null);
}

// ---------------------------------------------------------------- export (CSV and XLSX)

/** What each panel exports: the rows it shows (as the API gave them) and the /v1 route they came from. */
const EXPORTS = {
  kpis: {
    name: "核心指标", source: "GET /v1/kpis",
    header: ["id", "指标", "单位", "当前值", "上期值", "目标", "是否达标", "分子", "分母", "样本量", "无法计算的原因"],
    rows: () => state.data.kpis.map(({ result: r, previous: p }) => [r.id, r.name_zh, r.unit, r.value, p?.value ?? "",
      r.target, r.met, r.numerator, r.denominator, r.sample_size, r.reason]),
  },
  themes: {
    name: "故障主题", source: "GET /v1/themes/top",
    header: ["排名", "故障类型", "名称", "数量", "占比", "负面数", "负面率", "上期数量", "变化", "关键词"],
    rows: () => state.data.themes.map((t) => [t.rank, t.fault_type, t.name_zh, t.count, t.share, t.negative_count,
      t.negative_rate, t.previous_count, t.change, (t.keywords || []).map((k) => k.word).join(" ")]),
  },
  theme_trend: {
    name: "主题趋势", source: "GET /v1/themes/trend", theme: true,
    header: ["周期开始", "提及数", "负面数", "已分类反馈", "占比"],
    rows: () => state.data.themeTrend.map((p) => [p.period, p.count, p.negative_count, p.total, p.share]),
  },
  theme_products: {
    name: "主题型号", source: "GET /v1/themes/products", theme: true,
    header: ["产品线", "产品型号", "提及数", "占该主题", "型号已分类反馈", "占型号反馈", "负面数"],
    rows: () => state.data.themeProducts.map((m) => [m.product_line, m.product_model, m.count, m.share_of_theme, m.texts,
      m.rate, m.negative_count]),
  },
  emerging: {
    name: "新兴问题", source: "GET /v1/themes/emerging",
    header: ["类型", "键", "名称", "产品型号", "周期开始", "周期结束", "本期数量", "基线均值", "期望", "倍数", "p值", "q值"],
    rows: () => state.data.emerging.map((i) => [i.kind, i.key, i.name, i.product_model, i.period_start, i.period_end,
      i.count, i.baseline_mean, i.expected, i.ratio, i.p_value, i.q_value]),
  },
  negative_trend: {
    name: "负面占比趋势", source: "GET /v1/kpis?ids=negative_rate&period=…",
    header: ["周期开始", "负面占比", "负面数", "已分类反馈", "无法计算的原因"],
    rows: () => state.data.negativeTrend.map((r) => [r.period, r.value, r.numerator, r.denominator, r.reason]),
  },
  aspects: {
    name: "服务维度情感", source: "GET /v1/themes/aspects",
    header: () => ["服务维度", "代码", "提及", ...(state.data.aspects?.sentiments || []).map((s) => s.name_zh), "负面占比"],
    rows: () => (state.data.aspects?.aspects || []).map((a) => [a.name_zh, a.aspect, a.total,
      ...state.data.aspects.sentiments.map((s) => a.counts[s.sentiment] || 0), a.negative_share]),
  },
  impact: {
    name: "主题满意度影响", source: "GET /v1/themes/impact",
    header: ["故障类型", "名称", "含主题评分数", "满意度", "其余评分数", "其余满意度", "满意度影响", "含主题NPS数", "NPS",
      "其余NPS数", "其余NPS", "NPS影响"],
    rows: () => state.data.impact.map((t) => [t.fault_type, t.name_zh, t.n_scored, t.satisfaction, t.n_scored_without,
      t.satisfaction_without, t.satisfaction_impact, t.n_nps, t.nps, t.n_nps_without, t.nps_without, t.nps_impact]),
  },
};

function csvCell(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;  // no formulas in a spreadsheet
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The panel's title in file names and sheets: a theme's views carry the theme's code. */
function exportTitle(panel) {
  const spec = EXPORTS[panel];
  return spec.theme && state.theme ? `${spec.name}-${state.theme.fault_type}` : spec.name;
}

/** The panel's file name carries the window and the filters, e.g. 故障主题_2024-03-01_2024-03-30_region-华东.csv. */
function exportName(panel, extension) {
  const { from, to } = state.window.current;
  const parts = [exportTitle(panel), from && to ? `${from}_${to}` : from || to || "全部"];
  for (const name of DIMENSIONS) if (state.filters[name]) parts.push(`${name}-${state.filters[name]}`);
  if (["theme_trend", "negative_trend"].includes(panel)) parts.push(`every-${state.filters.every}`);
  return `${parts.join("_").replace(/[\\/:*?"<>|\s]+/g, "-")}.${extension}`;
}

/** The filters sheet of an XLSX export: what the data is, for which window and filters, from which route. */
function filterRows(panel) {
  const { current, previous } = state.window;
  const spec = EXPORTS[panel];
  const model = state.models[panel] || state.models.themes || "";
  return [
    ["项目", "值"],
    ["面板", exportTitle(panel)],
    ["统计区间", current.from || current.to ? `${current.from || "最早"} 至 ${current.to || "最新"}` : "全部数据"],
    ["对比周期", previous ? `${previous.from} 至 ${previous.to}` : "无"],
    ...DIMENSIONS.map((name) => [`筛选 ${name}`, state.filters[name] || "全部"]),
    ...(["theme_trend", "negative_trend"].includes(panel) ? [["趋势粒度", EVERY_ZH[state.filters.every]]] : []),
    ...(spec.theme && state.theme ? [["主题", `${state.theme.name_zh} (${state.theme.fault_type})`]] : []),
    ["模型", model],
    ["数据来源", spec.source],
    ["导出时间", new Date().toISOString()],
  ];
}

function download(blob, name) {
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** The panel's rows as CSV (UTF-8 with BOM: Excel opens Chinese correctly only with it) or XLSX (data + filters sheets). */
function exportPanel(panel, format) {
  const spec = EXPORTS[panel];
  const header = typeof spec.header === "function" ? spec.header() : spec.header;
  const rows = [header, ...spec.rows()];
  if (format === "xlsx") {
    download(workbook([{ name: exportTitle(panel), rows }, { name: "筛选条件", rows: filterRows(panel) }]),
      exportName(panel, "xlsx"));
    return;
  }
  const lines = rows.map((row) => row.map(csvCell).join(","));
  download(new Blob(["\ufeff", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" }), exportName(panel, "csv"));
}

// ---------------------------------------------------------------- wiring

function main() {
  state.filters = filtersFromUrl();
  $("#login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#api-key").value.trim();
    if (!key) return;
    setKey(key);
    $("#api-key").value = "";
    enter();
  });
  $("#logout").addEventListener("click", () => { clearKey(); showLogin(); });
  $("#filters").addEventListener("submit", (event) => { event.preventDefault(); applyFilters(filtersFromForm(), true); });
  $("#filters").period.addEventListener("change", (event) => {
    $("#filters").classList.toggle("custom", event.target.value === "custom");
    if (event.target.value !== "custom") applyFilters(filtersFromForm(), true);
  });
  $("#filters").every.addEventListener("change", () => applyFilters(filtersFromForm(), true));
  $("#reset-filters").addEventListener("click", () => applyFilters({ period: DEFAULT_PERIOD, every: EVERY[0], from: "",
    to: "", ...Object.fromEntries(DIMENSIONS.map((d) => [d, ""])) }, true));
  window.addEventListener("popstate", () => applyFilters(filtersFromUrl(), false));
  $("#classify-form").addEventListener("submit", classify);
  for (const button of document.querySelectorAll(".export")) {
    button.addEventListener("click", () => exportPanel(button.dataset.panel, button.dataset.format));
  }
  window.addEventListener("resize", () => Object.values(state.charts).forEach((chart) => chart.resize()));
  if (getKey()) enter();
  else showLogin();
}

main();
