// A minimal XLSX writer: sheets of strings, numbers and booleans, a bold header row, nothing else.
//
// An .xlsx file is a ZIP of a few XML parts (ECMA-376, "Office Open XML"). This module writes
// them with inline strings and stores them uncompressed (ZIP method 0), which Excel, WPS,
// LibreOffice and openpyxl all read. It is small enough to own, so the page vendors no
// spreadsheet library. The namespace URIs below are names, never fetched.

const encoder = new TextEncoder();

const NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships";
const NS_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types";
const CT = "application/vnd.openxmlformats-officedocument.spreadsheetml";
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Text for XML: escaped, and without the control characters XML 1.0 forbids. */
function xmlText(value) {
  return String(value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** 0 → "A", 25 → "Z", 26 → "AA". */
function column(index) {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function cell(value, ref, style) {
  const s = style ? ` s="${style}"` : "";
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "number") return Number.isFinite(value) ? `<c r="${ref}"${s}><v>${value}</v></c>` : "";
  if (typeof value === "boolean") return `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`;
  return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${xmlText(value)}</t></is></c>`;
}

function sheetXml(rows) {
  const body = rows.map((row, r) => `<row r="${r + 1}">${row.map((value, c) =>
    cell(value, `${column(c)}${r + 1}`, r === 0 ? 1 : 0)).join("")}</row>`).join("");
  const frozen = '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    + 'state="frozen"/></sheetView></sheetViews>';
  return `${XML_HEAD}<worksheet xmlns="${NS_MAIN}">${frozen}<sheetData>${body}</sheetData></worksheet>`;
}

const STYLES = `${XML_HEAD}<styleSheet xmlns="${NS_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>`
  + '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
  + '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
  + '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
  + '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
  + '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1">'
  + '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>';

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\ and unique in the workbook. */
function sheetName(name, taken) {
  const base = String(name).replace(/[[\]:*?/\\]/g, "-").slice(0, 31) || "Sheet";
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base.slice(0, 28)}-${i}`;
  taken.add(candidate);
  return candidate;
}

// ---------------------------------------------------------------- ZIP (stored, no compression)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const DOS_DATE = (1 << 5) | 1;  // 1980-01-01: the files carry no meaningful time

function header(size) {
  const bytes = new Uint8Array(size);
  return { bytes, view: new DataView(bytes.buffer) };
}

/** The ZIP of ``files`` ([name, Uint8Array] pairs) as one Uint8Array. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = encoder.encode(name);
    const crc = crc32(data);
    const local = header(30 + nameBytes.length);
    const lv = local.view;
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint16(6, 0x0800, true);  // UTF-8 names
    lv.setUint16(8, 0, true); lv.setUint16(10, 0, true); lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true); lv.setUint32(18, data.length, true); lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true); lv.setUint16(28, 0, true);
    local.bytes.set(nameBytes, 30);
    const central = header(46 + nameBytes.length);
    const cv = central.view;
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true); cv.setUint16(10, 0, true); cv.setUint16(12, 0, true);
    cv.setUint16(14, DOS_DATE, true); cv.setUint32(16, crc, true); cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true); cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    central.bytes.set(nameBytes, 46);
    locals.push(local.bytes, data);
    centrals.push(central.bytes);
    offset += local.bytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = header(22);
  const ev = end.view;
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, files.length, true); ev.setUint16(10, files.length, true);
  ev.setUint32(12, centralSize, true); ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end.bytes];
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/**
 * An .xlsx workbook as a Blob.
 * @param {{name: string, rows: Array<Array<string|number|boolean|null>>}[]} sheets  the first row of each is its header
 */
export function workbook(sheets) {
  const taken = new Set();
  const named = sheets.map((sheet) => ({ ...sheet, name: sheetName(sheet.name, taken) }));
  const files = [
    ["[Content_Types].xml", `${XML_HEAD}<Types xmlns="${NS_TYPES}">`
      + `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`
      + `<Default Extension="xml" ContentType="application/xml"/>`
      + `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>`
      + `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/>`
      + named.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${CT}.worksheet+xml"/>`)
        .join("") + "</Types>"],
    ["_rels/.rels", `${XML_HEAD}<Relationships xmlns="${NS_PKG_REL}"><Relationship Id="rId1" `
      + `Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ["xl/workbook.xml", `${XML_HEAD}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><sheets>`
      + named.map((s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("")
      + "</sheets></workbook>"],
    ["xl/_rels/workbook.xml.rels", `${XML_HEAD}<Relationships xmlns="${NS_PKG_REL}">`
      + named.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${NS_REL}/worksheet" `
        + `Target="worksheets/sheet${i + 1}.xml"/>`).join("")
      + `<Relationship Id="rId${named.length + 1}" Type="${NS_REL}/styles" Target="styles.xml"/></Relationships>`],
    ["xl/styles.xml", STYLES],
    ...named.map((s, i) => [`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s.rows)]),
  ];
  const bytes = zip(files.map(([name, text]) => [name, encoder.encode(text)]));
  return new Blob([bytes], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
}
