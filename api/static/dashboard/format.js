// Numbers and dates for Chinese readers: %, 万/亿, hours, yyyy-mm-dd.

const plain = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 1 });
const exact = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });

/** 12345 → "1.2万", 3.2e8 → "3.2亿", 987 → "987". */
export function count(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  const abs = Math.abs(n);
  if (abs >= 1e8) return `${plain.format(n / 1e8)}亿`;
  if (abs >= 1e4) return `${plain.format(n / 1e4)}万`;
  return Number.isInteger(n) ? exact.format(n) : plain.format(n);
}

export const percent = (share, digits = 1) =>
  share === null || share === undefined ? "—" : `${(share * 100).toFixed(digits)}%`;

/** A KPI value in its catalogue unit. */
export function kpiValue(value, unit) {
  if (value === null || value === undefined) return "—";
  switch (unit) {
    case "share": return percent(value);
    case "hours": return `${plain.format(value)} 小时`;
    case "currency": return `¥${count(value)}`;
    case "points": return value.toFixed(1);
    case "score": case "ratio": case "rho": return value.toFixed(2);
    case "visits": return `${value.toFixed(2)} 次`;
    default: return count(value);
  }
}

/** The change between two values of one unit: percentage points for shares, else the unit itself. */
export function kpiChange(now, before, unit) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  const diff = now - before;
  const sign = diff > 0 ? "↑" : diff < 0 ? "↓" : "→";
  const abs = Math.abs(diff);
  let text;
  if (unit === "share") text = `${(abs * 100).toFixed(1)} 个百分点`;
  else if (unit === "hours") text = `${plain.format(abs)} 小时`;
  else if (unit === "points") text = `${abs.toFixed(1)} 分`;
  else if (before !== 0) text = `${(Math.abs(diff / before) * 100).toFixed(1)}%`;
  else text = count(abs);
  return { diff, text: `${sign} ${text}` };
}

/** Local calendar dates as YYYY-MM-DD, and day arithmetic on them (UTC inside: no DST surprises). */
export const isoDate = (d) => d.toISOString().slice(0, 10);
export const parseDate = (s) => new Date(`${s}T00:00:00Z`);
export const addDays = (s, n) => { const d = parseDate(s); d.setUTCDate(d.getUTCDate() + n); return isoDate(d); };
export const daysBetween = (a, b) => Math.round((parseDate(b) - parseDate(a)) / 86400000);
export const today = () => { const d = new Date(); return isoDate(new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()))); };
