// Rendering: Markdown made safe, message bubbles, skill cards, and what goes under an answer
// (source chips, remembered facts, a note on how the answer ended, actions).
import { $, el, button, state } from "./state.js";
import { skillInfo, argumentName, argumentValue } from "./skills.js";
import { addRunButtons, renderRun } from "./code.js";

// ---- safe Markdown -------------------------------------------------------------------------------
// DOMPurify runs on an inert document: nothing loads while it works. An image whose source is
// not this server (or data:/blob:) loses its src there and is shown as its address in text, so
// a poisoned document cannot send the conversation anywhere through an image URL.

const FORBID_TAGS = ["style", "form", "input", "button", "textarea", "select", "video", "audio",
  "source", "track", "picture", "iframe", "object", "embed", "link", "meta", "base"]; // prettier-ignore
const FORBID_ATTR = ["style", "srcset", "background", "poster", "ping", "action", "formaction"];

export function localSource(src) {
  try {
    const url = new URL(src, window.location.href);
    return url.protocol === "data:" || url.protocol === "blob:" || url.origin === window.location.origin;
  } catch {
    return false;
  }
}

let hooked = false;
function hook(purify) {
  if (hooked) return;
  hooked = true;
  purify.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName === "IMG") {
      const src = node.getAttribute("src") || "";
      if (!localSource(src)) {
        node.removeAttribute("src");
        node.setAttribute("data-blocked-src", src);
      }
    }
    if (node.nodeName === "A" && node.hasAttribute("href")) {
      node.setAttribute("rel", "noopener noreferrer");
      node.setAttribute("target", "_blank");
    }
  });
}

export function sanitize(html) {
  const purify = window.DOMPurify;
  hook(purify);
  return purify.sanitize(html, {
    USE_PROFILES: { html: true }, // no SVG or MathML (their <image href> would load)
    FORBID_TAGS,
    FORBID_ATTR,
    ADD_ATTR: ["target"],
  });
}

/** Remote images become their address as text: «🖼 alt (https://…)». */
function showBlockedImages(element) {
  for (const img of element.querySelectorAll("img[data-blocked-src]")) {
    const alt = img.getAttribute("alt") || "이미지";
    const text = el("span", "blocked-image", `🖼 ${alt} (${img.dataset.blockedSrc})`);
    text.title = "외부 이미지는 불러오지 않습니다";
    img.replaceWith(text);
  }
}

export function renderMarkdown(element, text) {
  if (window.marked && window.DOMPurify) {
    element.innerHTML = sanitize(window.marked.parse(text || ""));
    showBlockedImages(element);
    if (window.hljs) {
      element.querySelectorAll("pre code").forEach((code) => window.hljs.highlightElement(code));
    }
    addRunButtons(element);
  } else {
    element.textContent = text || "";
  }
}

// ---- bubbles ---------------------------------------------------------------------------------------

export function bubble(role, text = "") {
  const item = el("article", `msg ${role}`);
  item.setAttribute("aria-label", role === "user" ? "내 메시지" : "하늘의 답");
  const body = el("div", "body");
  if (role === "assistant") renderMarkdown(body, text);
  else body.textContent = text;
  item.append(body);
  $("welcome").hidden = true;
  $("log").append(item);
  follow(true);
  return item;
}

/** Keep the newest message in view, unless the reader scrolled up to read (or `force`). */
export function follow(force = false) {
  const log = $("log");
  if (force) state.stick = true;
  if (state.stick) log.scrollTop = log.scrollHeight;
}

// ---- skill cards -----------------------------------------------------------------------------------

function argumentList(args) {
  const list = el("dl", "arguments");
  for (const [key, value] of Object.entries(args || {})) {
    // `about` is the user's request itself (the table and summary skills): it is right above
    if (key.startsWith("_") || key === "about") continue;
    list.append(el("dt", "", argumentName(key)), el("dd", "", argumentValue(value, key)));
  }
  return list;
}

export function skillCard(parent, call) {
  const info = skillInfo(call.name);
  const card = el("details", "skill-card");
  card.open = true;
  card.dataset.skill = call.name;
  card.dataset.callId = call.id || "";
  const summary = el("summary", "", info.title);
  const args = argumentList(call.arguments);
  const raw = el("pre", "raw-arguments", JSON.stringify(call.arguments ?? {}, null, 2));
  raw.hidden = true;
  const toggle = button("JSON 보기", "json-toggle");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", () => {
    raw.hidden = !raw.hidden;
    toggle.textContent = raw.hidden ? "JSON 보기" : "JSON 숨기기";
    toggle.setAttribute("aria-expanded", String(!raw.hidden));
  });
  const result = el("div", "result", "실행 중…");
  card.append(summary, args, toggle, raw, result);
  parent.insertBefore(card, parent.querySelector(".body"));
  follow();
  return card;
}

export function fillCard(card, result) {
  const box = card.querySelector(".result");
  if (result.error) {
    box.textContent = `오류: ${result.error}`;
    card.classList.add("failed");
    return;
  }
  box.replaceChildren();
  if (result.answer?.includes("\n")) {
    // a skill's answer of several lines is Markdown (the table skill's table): rendered
    const answer = el("div", "skill-answer");
    renderMarkdown(answer, result.answer);
    box.append(answer);
  } else if (result.answer) box.append(el("p", "skill-answer", result.answer));
  if (result.content && result.content.trim() !== (result.answer || "").trim()) {
    const content = el("div", "content"); // a result that is its sentence alone is said once
    renderMarkdown(content, result.content);
    box.append(content);
  }
  if (result.name === "python" && result.data?.code) renderRun(box, result.data);
  else if (result.steps?.length) {
    const steps = el("details", "steps-box");
    steps.append(el("summary", "", `풀이 과정 (${result.steps.length}단계)`));
    const list = el("ol", "steps");
    for (const step of result.steps) list.append(el("li", "", step));
    steps.append(list);
    box.append(steps);
  }
  if (result.flagged?.length) {
    const note = `AI 필터: ${result.flagged.join(", ")} (모델에는 제거된 채 전달됨)`;
    box.append(el("p", "flagged", note));
  }
  follow();
}

// ---- under the answer --------------------------------------------------------------------------------

/** The passage behind a source chip, in a panel beside the answer. */
export function openPassage(citation) {
  const box = $("passage");
  const where = citation.page ? ` p.${citation.page}` : "";
  $("passage-title").textContent = `[${citation.n}] ${citation.document || "문서"}${where}`;
  const note = $("passage-note");
  note.textContent = citation.supported === false ? "가장 가까운 문단 (질문에 답하는 문단은 찾지 못했습니다)" : "";
  note.hidden = citation.supported !== false;
  $("passage-text").textContent = citation.text || citation.snippet || "";
  const copies = citation.also_in?.length ? `같은 내용: ${citation.also_in.join(", ")}` : "";
  const collection = citation.collection ? `컬렉션: ${citation.collection}` : "";
  $("passage-collection").textContent = [collection, copies].filter(Boolean).join(" · ");
  box.hidden = false;
  $("passage-close").focus();
}

function citationChip(citation) {
  const where = citation.page ? ` p.${citation.page}` : "";
  const chip = button(`[${citation.n}] ${citation.document || "문서"}${where}`, "citation");
  if (citation.supported === false) {
    chip.classList.add("unsupported");
    chip.title = "가장 가까운 문단";
  }
  chip.dataset.n = String(citation.n);
  chip.addEventListener("click", () => openPassage(citation));
  return chip;
}

/** `[n]` markers in the answer become buttons that open source n. */
function linkMarkers(body, citations) {
  const byN = new Map(citations.map((c) => [String(c.n), c]));
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) if (/\[\d+\]/.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
  for (const node of nodes) {
    if (node.parentElement.closest("pre, code, a")) continue;
    const parts = node.nodeValue.split(/(\[\d+\])/);
    const fragment = document.createDocumentFragment();
    for (const part of parts) {
      const citation = byN.get(part.slice(1, -1));
      if (/^\[\d+\]$/.test(part) && citation) {
        const ref = button(part, "cite-ref", `출처 ${citation.n}: ${citation.document || ""}`);
        ref.addEventListener("click", () => openPassage(citation));
        fragment.append(ref);
      } else fragment.append(part);
    }
    node.replaceWith(fragment);
  }
}

const FINISH_NOTES = {
  length: "답이 길이 제한에 걸려 끝까지 쓰이지 못했습니다.",
  loop: "같은 말이 되풀이되어 답을 멈췄습니다.",
  content_filter: "AI 필터가 답의 일부를 막았습니다.",
};

/** Why the model's own sentence is not shown, in Korean (`reason_ko`; the English `reason`
 * is for developers and is never shown). */
function droppedNote(composed) {
  const why = composed.reason_ko ? ` (${composed.reason_ko})` : "";
  return composed.skill_answer
    ? `모델이 덧붙인 문장이 검사를 통과하지 못해 확인된 답만 보여 줍니다${why}`
    : `모델의 답이 검사를 통과하지 못해 보여 주지 않았습니다${why}`;
}

/** The notes under an answer, as [class, text]: the memories used, what code corrected, a
 * dropped explanation and how the answer ended, from a `done` event or a stored message
 * (which keeps the same fields, so a reopened conversation reads as it did live; older
 * messages have none). The Markdown export writes the same texts. */
export function answerNotes(done) {
  const stored = done.message || {};
  const notes = [];
  const memories = done.memories_used || stored.memories_used || [];
  if (memories.length) notes.push(["memories-used", `기억 사용: ${memories.join(" · ")}`]);
  const composed = done.composed || stored.composed;
  const corrections = composed?.corrections || []; // what code fixed in the model's answer
  if (corrections.length) notes.push(["corrections-note", `코드로 확인해 고친 내용: ${corrections.join(" · ")}`]);
  if (composed?.explanation === "dropped") notes.push(["composed-note", droppedNote(composed)]);
  const reason = done.finish_reason || stored.finish_reason;
  if (FINISH_NOTES[reason]) notes.push([`finish-note finish-${reason}`, FINISH_NOTES[reason]]);
  return notes;
}

/** Sources and the notes (`answerNotes`) under an answer, from a `done` event or a stored
 * message. Every field may be missing. */
export function showExtras(answer, done) {
  answer.querySelectorAll(".extras").forEach((old) => old.remove());
  // the answer opens with the skill's own sentence (docs/assistant.md): the card above it
  // does not say it a second time
  const said = (answer.querySelector(".body")?.textContent || "").replace(/\s+/g, "");
  answer.querySelectorAll(".skill-card .skill-answer").forEach((line) => {
    line.hidden = said.includes(line.textContent.replace(/\s+/g, ""));
  });
  const extras = el("div", "extras");
  const citations = done.citations || done.message?.citations || [];
  if (citations.length) {
    const row = el("div", "citations");
    row.setAttribute("aria-label", "출처");
    if (citations.every((c) => c.supported === false)) {
      row.append(el("span", "citations-label", "가장 가까운 문단:"));
    } else row.append(el("span", "citations-label", "출처:"));
    for (const citation of citations) row.append(citationChip(citation));
    extras.append(row);
    linkMarkers(answer.querySelector(".body"), citations);
  }
  for (const [kind, text] of answerNotes(done)) {
    if (kind === "corrections-note") {
      // the stored text ends with the same note in words; it is shown once, here
      answer.querySelectorAll(".body p").forEach((p) => {
        if (p.textContent.trim().startsWith("(계산·날짜는 코드로 확인해 고쳤습니다")) p.remove();
      });
    }
    extras.append(el("p", kind, text));
  }
  if (extras.childElementCount) answer.append(extras);
}

export function showFilter(answer, filters) {
  const hits = (filters || []).filter((f) => f.score === "0"); // CLOVA: "0" = likely
  if (!hits.length) return;
  answer.append(el("p", "flagged", `AI 필터: ${hits.map((f) => f.name).join(", ")}`));
}

export function showMessage(message) {
  const item = bubble(message.role, message.content);
  if (message.id) item.dataset.messageId = message.id;
  for (const call of message.skill_calls || []) fillCard(skillCard(item, call), call);
  if (message.role === "assistant") showExtras(item, { message });
  return item;
}
