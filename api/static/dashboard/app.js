// The dashboard: filters in the URL, KPI tiles, top themes (ECharts), emerging issues, a classify box, CSV export.
// Every number comes from the public /v1 API (see api.js); API text is always inserted as text, never as HTML.

import { ApiError, apiGet, apiPost, clearKey, describeError, getKey, setKey } from "./api.js";
import * as fmt from "./format.js";

/** The KPI tiles, in this order (ids of GET /v1/kpis/catalogue). */
const HEADLINE = ["first_time_fix_rate", "repeat_repair_rate", "resolution_time", "resolution_rate", "csat_rate",
  "nps", "complaint_rate", "negative_rate", "backlog"];
/** Filters passed to the API as they are (comma-separated values). */
const DIMENSIONS = ["product_line", "product_model", "channel", "region", "source"];
const PERIODS = ["7", "30", "90", "all", "custom"];
const DEFAULT_PERIOD = "30";
/** A missed target within this share of it is amber, further away red. */
const AMBER_BAND = 0.1;

const state = {
  catalogue: new Map(),  // id → definition
  latest: null,          // the data's latest local date (YYYY-MM-DD): "last N days" end there
  filters: {},
  window: null,
  data: { kpis: [], themes: [], emerging: [] },
  chart: null,
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
  const filters = { period, from: q.get("from") || "", to: q.get("to") || "" };
  for (const name of DIMENSIONS) filters[name] = q.get(name) || "";
  return filters;
}

function filtersFromForm() {
  const form = $("#filters");
  const filters = { period: form.period.value, from: form.from.value, to: form.to.value };
  for (const name of DIMENSIONS) filters[name] = form[name].value.trim();
  if (filters.period !== "custom") filters.from = filters.to = "";
  return filters;
}

function showFilters(filters) {
  const form = $("#filters");
  form.period.value = filters.period;
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
  let catalogue;
  try {
    catalogue = await apiGet("/v1/kpis/catalogue");
  } catch (err) {
    if (handleAuth(err)) return;
    // 403 (a classify-only key) and others: show the page; the panels explain what they cannot show
    catalogue = { kpis: [] };
    showBanner(describeError(err));
  }
  state.catalogue = new Map(catalogue.kpis.map((d) => [d.id, d]));
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = false;
  $("#key-status").textContent = "已使用 API 密钥";
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

function showBanner(message) {
  const banner = $("#global-error");
  banner.hidden = !message;
  banner.textContent = message || "";
}

async function refresh() {
  const generation = ++state.generation;
  state.window = windowsOf(state.filters);
  $("#window-note").textContent = describeWindow(state.window);
  const themes = loadThemes(generation);
  await Promise.all([loadKpis(generation), themes, loadEmerging(generation, themes)]);
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
    renderThemeChart(answer.themes);
    $("#theme-detail-body").replaceChildren(answer.themes.length ? "点击左侧柱条。" : "");
  } catch (err) {
    if (generation !== state.generation || handleAuth(err)) return;
    state.data.themes = [];
    renderThemeChart([]);
    status.textContent = describeError(err);
    status.className = "status error";
  }
}

function renderThemeChart(themes) {
  const node = $("#themes-chart");
  if (!window.echarts) {
    node.textContent = "图表库未加载。";
    return;
  }
  if (!state.chart) {
    state.chart = window.echarts.init(node, null, { renderer: "canvas" });
    state.chart.on("click", (event) => showTheme(state.data.themes[event.dataIndex]));
    window.addEventListener("resize", () => state.chart.resize());
  }
  node.classList.toggle("empty", !themes.length);
  state.chart.setOption({
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

function showTheme(theme) {
  if (!theme) return;
  const change = theme.change_rate === null || theme.change_rate === undefined ? null
    : `较上期 ${theme.change >= 0 ? "+" : ""}${fmt.count(theme.change)} 条 (${fmt.percent(theme.change_rate)})`;
  const impact = theme.impact?.satisfaction_impact;
  $("#theme-detail-body").replaceChildren(el("div", {},  // el() drops the missing parts
    el("h3", {}, theme.name_zh, el("small", { class: "muted" }, ` ${theme.fault_type}`)),
    el("p", {}, `${fmt.count(theme.count)} 条，占 ${fmt.percent(theme.share)}，负面 ${fmt.percent(theme.negative_rate)}`,
      change ? `；${change}` : "",
      impact === null || impact === undefined ? "" : `；对满意度的影响 ${impact.toFixed(2)}`),
    el("h4", {}, "关键词"), keywordChips(theme.keywords),
    theme.sub_themes?.length ? el("h4", {}, "子主题") : null,
    theme.sub_themes?.length ? el("ul", { class: "sub-themes" }, theme.sub_themes.map((s) => el("li", {},
      el("strong", {}, s.name), ` · ${fmt.count(s.count)} 条 (${fmt.percent(s.share)})`, keywordChips(s.keywords),
      s.examples?.length ? el("p", { class: "example" }, s.examples[0]) : null))) : null,
    el("h4", {}, "示例（已脱敏）"),
    theme.examples?.length ? el("ul", { class: "examples" }, theme.examples.map((text) => el("li", {}, text)))
      : el("p", { class: "muted" }, "无示例。")));
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

// ---------------------------------------------------------------- classify

async function classify(event) {
  event.preventDefault();
  const text = $("#classify-text").value;
  const box = $("#classify-result");
  if (!text.trim()) {
    box.replaceChildren(el("p", { class: "error" }, "请先输入一段文本。"));
    return;
  }
  box.replaceChildren(el("p", { class: "muted" }, "分类中…"));
  try {
    const answer = await apiPost("/v1/classify", { text });
    box.replaceChildren(classifyResult(answer.results[0], answer.model));
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

function classifyResult(result, model) {
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

// ---------------------------------------------------------------- CSV export

const EXPORTS = {
  kpis: {
    name: "核心指标",
    header: ["id", "指标", "单位", "当前值", "上期值", "目标", "是否达标", "分子", "分母", "样本量", "无法计算的原因"],
    rows: () => state.data.kpis.map(({ result: r, previous: p }) => [r.id, r.name_zh, r.unit, r.value, p?.value ?? "",
      r.target, r.met, r.numerator, r.denominator, r.sample_size, r.reason]),
  },
  themes: {
    name: "故障主题",
    header: ["排名", "故障类型", "名称", "数量", "占比", "负面数", "负面率", "上期数量", "变化", "关键词"],
    rows: () => state.data.themes.map((t) => [t.rank, t.fault_type, t.name_zh, t.count, t.share, t.negative_count,
      t.negative_rate, t.previous_count, t.change, (t.keywords || []).map((k) => k.word).join(" ")]),
  },
  emerging: {
    name: "新兴问题",
    header: ["类型", "键", "名称", "产品型号", "周期开始", "周期结束", "本期数量", "基线均值", "期望", "倍数", "p值", "q值"],
    rows: () => state.data.emerging.map((i) => [i.kind, i.key, i.name, i.product_model, i.period_start, i.period_end,
      i.count, i.baseline_mean, i.expected, i.ratio, i.p_value, i.q_value]),
  },
};

function csvCell(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;  // no formulas in a spreadsheet
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The panel's file name carries the window and the filters, e.g. 故障主题_2024-03-01_2024-03-30_region-华东.csv. */
function exportName(panel) {
  const { from, to } = state.window.current;
  const parts = [EXPORTS[panel].name, from && to ? `${from}_${to}` : from || to || "全部"];
  for (const name of DIMENSIONS) if (state.filters[name]) parts.push(`${name}-${state.filters[name]}`);
  return `${parts.join("_").replace(/[\\/:*?"<>|\s]+/g, "-")}.csv`;
}

function exportCsv(panel) {
  const spec = EXPORTS[panel];
  const lines = [spec.header, ...spec.rows()].map((row) => row.map(csvCell).join(","));
  // BOM: Excel opens UTF-8 Chinese correctly only with it
  const blob = new Blob(["\ufeff", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: exportName(panel) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
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
  $("#reset-filters").addEventListener("click", () => applyFilters(
    { period: DEFAULT_PERIOD, from: "", to: "", ...Object.fromEntries(DIMENSIONS.map((d) => [d, ""])) }, true));
  window.addEventListener("popstate", () => applyFilters(filtersFromUrl(), false));
  $("#classify-form").addEventListener("submit", classify);
  for (const button of document.querySelectorAll(".export")) {
    button.addEventListener("click", () => exportCsv(button.dataset.panel));
  }
  if (getKey()) enter();
  else showLogin();
}

main();
