// The conversation list's extras: date groups (고정됨, 오늘, 어제, 지난 7일, 지난 30일, 이전),
// pins (kept in this browser), search over titles and messages (the server matches Korean
// morphemes: GET /v1/conversations?q=), and exporting the open conversation as Markdown or JSON.
import { $, el, button, state, setStatus } from "./state.js";
import { api, korean } from "./api.js";
import { answerNotes } from "./render.js";

const PINS = "haneul.pinned";
const DAY = 24 * 60 * 60;

export function pinned() {
  return new Set(JSON.parse(localStorage.getItem(PINS) || "[]"));
}

export function togglePin(id) {
  const pins = pinned();
  if (pins.has(id)) pins.delete(id);
  else pins.add(id);
  localStorage.setItem(PINS, JSON.stringify([...pins]));
  return pins.has(id);
}

/** [label, conversations] in order, empty groups left out; `now` in seconds. */
export function groups(list, now = Date.now() / 1000) {
  const pins = pinned();
  const midnight = new Date(now * 1000);
  midnight.setHours(0, 0, 0, 0);
  const today = midnight.getTime() / 1000;
  const bins = [["고정됨", []], ["오늘", []], ["어제", []], ["지난 7일", []], ["지난 30일", []], ["이전", []]];
  for (const c of list) {
    const at = c.updated_at || c.created_at || now;
    let i = 5;
    if (pins.has(c.id)) i = 0;
    else if (at >= today) i = 1;
    else if (at >= today - DAY) i = 2;
    else if (at >= today - 7 * DAY) i = 3;
    else if (at >= today - 30 * DAY) i = 4;
    bins[i][1].push(c);
  }
  return bins.filter(([, items]) => items.length);
}

// ---- search on the server -----------------------------------------------------------------------

let searched = { query: "", data: null };
let timer = 0;

/** The server's matches for `query` once they are here (null until then); asks for them
 * after a short pause in typing and calls `redraw` when they arrive. */
export function searchResults(query, redraw) {
  if (searched.query === query) return searched.data;
  clearTimeout(timer);
  timer = setTimeout(async () => {
    try {
      const { data } = await api(`/v1/conversations?q=${encodeURIComponent(query)}`);
      searched = { query, data };
      if ($("search").value.trim() === query) redraw();
    } catch (error) {
      setStatus(`대화를 찾지 못했습니다: ${korean(error)}`, true);
    }
  }, 250);
  return null;
}

// ---- export ---------------------------------------------------------------------------------------

function markdown(conversation) {
  const lines = [`# ${conversation.title}`, ""];
  for (const m of conversation.messages) {
    lines.push(`**${m.role === "user" ? "나" : "하늘"}**: ${m.content}`, "");
    for (const c of m.citations || []) {
      const where = c.page ? ` p.${c.page}` : "";
      lines.push(`> [${c.n}] ${c.document || "문서"}${where}: ${(c.snippet || "").replace(/\s+/g, " ")}`);
    }
    if (m.citations?.length) lines.push("");
    const notes = m.role === "assistant" ? answerNotes({ message: m }) : [];
    if (notes.length) lines.push(...notes.map(([, text]) => `> ${text}`), "");
  }
  return lines.join("\n");
}

function save(name, type, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

async function exportOpen(format) {
  if (!state.conversation) return;
  const conversation = await api(`/v1/conversations/${state.conversation.id}`);
  const name = (conversation.title || "대화").replace(/[\\/:*?"<>|]+/g, "_");
  if (format === "md") save(`${name}.md`, "text/markdown", markdown(conversation));
  else save(`${name}.json`, "application/json", JSON.stringify(conversation, null, 2));
}

/** Export buttons for the open conversation, under the list. */
export function wireConversationTools() {
  const box = el("div", "conv-tools");
  box.append(el("span", "hint", "이 대화 내보내기:"));
  for (const [format, label] of [["md", "Markdown"], ["json", "JSON"]]) {
    const get = button(label, `export-${format}`, `${label} 파일로 이 대화 내보내기`);
    get.addEventListener("click", () => exportOpen(format).catch((e) => setStatus(korean(e), true)));
    box.append(get);
  }
  $("sidebar").append(box);
}
