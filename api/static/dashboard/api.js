// The page's only way to data: the public /v1 API, with the key the user typed in.
// The key stays in sessionStorage (this tab only) and travels as the X-API-Key header, never in a URL.

const KEY_NAME = "feedback-nlp.api-key";
const MAX_RETRIES = 2;       // for 429 / 503 busy, after the server's Retry-After
const MAX_WAIT_S = 10;

export const getKey = () => sessionStorage.getItem(KEY_NAME);
export const setKey = (key) => sessionStorage.setItem(KEY_NAME, key);
export const clearKey = () => sessionStorage.removeItem(KEY_NAME);

/** An error answer of the API: {type, message, details} plus the status and Retry-After. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.type = body?.type || "http_error";
    this.details = body?.details || {};
    this.retryAfter = retryAfter;
  }
}

/** The query string of a params object: arrays are comma-joined, empty values left out. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const text = Array.isArray(value) ? value.join(",") : value;
    if (text !== undefined && text !== null && text !== "") q.set(name, String(text));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(method, path, { params = {}, body, key = getKey() } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path + queryString(params), {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit",
      });
    } catch (err) {
      throw new ApiError(0, { type: "network", message: String(err) });
    }
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const retryAfter = Number(response.headers.get("Retry-After")) || null;
    const busy = response.status === 429 || (response.status === 503 && data?.type === "busy");
    if (busy && attempt < MAX_RETRIES && retryAfter !== null && retryAfter <= MAX_WAIT_S) {
      await sleep(retryAfter * 1000);  // the server said when: wait and try again, quietly
      continue;
    }
    throw new ApiError(response.status, data, retryAfter);
  }
}

export const apiGet = (path, params, options = {}) => request("GET", path, { ...options, params });
export const apiPost = (path, body, options = {}) => request("POST", path, { ...options, body });

/** A message for a Chinese reader: what went wrong and what to do about it. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return `出错了：${err?.message || err}`;
  const d = err.details || {};
  switch (err.status) {
    case 0: return "无法连接服务器，请检查服务是否在运行。";
    case 401: return err.message.includes("expired")
      ? "API 密钥已过期 (401)，请输入新的密钥。" : "API 密钥无效或未提供 (401)，请重新输入。";
    case 403: return `此密钥没有「${d.required_scope || "所需"}」权限 (403)，请换一个带该权限的密钥。`;
    case 404:
      if (err.type === "predictions_not_found") {
        return "还没有已存储的预测：先对入库的反馈分类（feedback-nlp classify-store，或 POST /v1/classify 带 store: true）。";
      }
      return `未找到 (404)：${err.message}`;
    case 413: return "文本太长 (413)。";
    case 422: return `输入或查询条件有误 (422)：${err.message}`;
    case 429: return `请求过于频繁 (429)，请 ${err.retryAfter ?? "几"} 秒后重试。`;
    case 503:
      if (err.type === "no_model") return "没有可用的模型 (503)：先训练一个模型（feedback-nlp train）。";
      if (err.type === "busy") return `服务繁忙 (503)，请 ${err.retryAfter ?? "几"} 秒后重试。`;
      if (err.type === "store_unavailable") return "此服务未打开数据存储 (503)。";
      return `服务暂不可用 (503)：${err.message}`;
    default: return `服务器错误 (${err.status})：${err.message}`;
  }
}
