// What the standalone pages (mail, workspace, skill trainer, reports, admin) share: their
// requests to the API (the session's CSRF token; a 401 goes to sign-in and back), DOM
// nodes built without parsing HTML, and the status line (#message). The chat page has its
// own in state.js and api.js.

export const $ = (id) => document.getElementById(id);

export function csrf() {
  const found = document.cookie.match(/(?:^|; )haneul_csrf=([^;]*)/);
  return found ? decodeURIComponent(found[1]) : "";
}

/** Requests for a page whose sign-in returns to `next` (null: the page's own path). With
 * `bearer`, the API key the chat page keeps in this browser is sent as well. `send` gives the
 * Response (for downloads), `call` its JSON ({} when it has none); both throw an Error with
 * the server's message and the HTTP `status` when the answer is not a success. `form` sends
 * a FormData as is. */
export function requests(next = null, { bearer = false } = {}) {
  function headers(json) {
    const out = { "X-CSRF-Token": csrf() };
    const key = bearer && localStorage.getItem("haneul.key");
    if (key) out.Authorization = `Bearer ${key}`;
    if (json) out["Content-Type"] = "application/json";
    return out;
  }

  async function fail(response) {
    const back = next || encodeURIComponent(location.pathname);
    if (response.status === 401) location.assign(`/signin?next=${back}`);
    const data = await response.json().catch(() => ({}));
    const error = new Error(data?.error?.message || data?.status?.message || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }

  async function send(path, { method = "GET", body, form } = {}) {
    const init = { method, headers: headers(Boolean(body)), body: form || (body && JSON.stringify(body)) };
    const response = await fetch(path, init);
    if (!response.ok) await fail(response);
    return response;
  }

  async function call(path, init) {
    const response = await send(path, init);
    return response.json().catch(() => ({}));
  }

  return { send, call };
}

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child ?? "");
  return node;
}

/** The page's status line. */
export function say(text, ok = true) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "error";
}

export const report = (error) => say(error.message, false);
