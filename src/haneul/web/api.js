// The server's REST API: JSON requests with the key (when one is needed) and SSE streams.
import { $ } from "./state.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function headers(extra = {}) {
  const key = $("key").value.trim();
  const csrf = document.cookie.match(/(?:^|; )haneul_csrf=([^;]*)/); // a signed-in session's
  if (csrf) extra = { ...extra, "X-CSRF-Token": decodeURIComponent(csrf[1]) };
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** The key field stays hidden on a local server until the server asks for a key. */
export function revealKey() {
  $("key-box").hidden = false;
}

export async function failure(response) {
  const data = await response.json().catch(() => ({}));
  const message = data?.error?.message || data?.status?.message; // OpenAI's or CLOVA's shape
  if (response.status === 401 && data?.error?.code === "signin_required") {
    location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`); // accounts exist
  }
  if (response.status === 401) revealKey();
  return new ApiError(response.status, message || `HTTP ${response.status}`);
}

export async function api(path, { method = "GET", body, form } = {}) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body) init.body = JSON.stringify(body);
  if (form) init.body = form;
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  return response.json().catch(() => ({}));
}

export async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder(); // keeps a Korean syllable split across chunks whole
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of frame.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}

/** Korean words for what went wrong, the server's own text after them. */
export function korean(error) {
  if (error.status === 401) return "API 키가 필요합니다";
  if (error.status === 429) return "요청이 많습니다. 잠시 뒤에 다시 해 보세요";
  if (error.status === 413) return "파일이 너무 큽니다";
  if (error instanceof TypeError) return "서버에 연결할 수 없습니다";
  return error.message;
}
