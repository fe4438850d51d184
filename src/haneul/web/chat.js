// Conversations (list, search, open, rename, delete, a URL per conversation) and turns
// (send, stream, stop, confirm, regenerate, edit, copy, thumbs).
import { $, el, button, state, setStatus, DEFAULT_TITLE } from "./state.js";
import { api, headers, failure, sseEvents, korean, ApiError } from "./api.js";
import { bubble, fillCard, follow, renderMarkdown, showExtras, showFilter, showMessage,
  skillCard } from "./render.js"; // prettier-ignore
import { enabledSkills } from "./skills.js";
import { uploadForCode } from "./code.js";
import { showWelcome, presetBanner } from "./home.js";
import { memoryOn } from "./settings.js";
import { clearFollowups, showFollowups } from "./followups.js";
import { sendRating } from "./feedback.js";
import { groups, pinned, searchResults, togglePin } from "./convtools.js";

// ---- conversations ---------------------------------------------------------------------------------

let listed = [];

export async function loadConversations() {
  ({ data: listed } = await api("/v1/conversations"));
  drawConversations();
}

export function drawConversations() {
  const list = $("conversations");
  const query = $("search").value.trim();
  list.replaceChildren();
  // while the server searches titles and messages, the titles that match are shown
  const found = query ? searchResults(query, drawConversations) : null;
  const shown = !query ? listed : found || listed.filter((c) => (c.title || DEFAULT_TITLE).toLowerCase().includes(query.toLowerCase()));
  for (const [label, items] of groups(shown)) {
    list.append(el("li", "group-label", label));
    for (const c of items) list.append(conversationRow(c));
  }
  if (query && !shown.length) list.append(el("li", "hint", "찾는 대화가 없습니다"));
}

function conversationRow(c) {
  const title = c.title || DEFAULT_TITLE;
  const li = el("li", "conversation");
  li.dataset.id = c.id;
  if (state.conversation?.id === c.id) li.classList.add("current");
  const open = button(title, "open");
  open.title = title; // the whole title on hover, where the row cuts it
  open.addEventListener("click", () => openConversation(c.id).catch(report));
  if (c.match && c.match !== title) open.append(el("small", "match", c.match));
  const pin = button("고정", "pin", `${title} 고정`);
  pin.setAttribute("aria-pressed", String(pinned().has(c.id)));
  pin.addEventListener("click", () => {
    togglePin(c.id);
    drawConversations();
  });
  const rename = button("이름", "rename", `${title} 이름 바꾸기`);
  rename.addEventListener("click", () => startRename(li, c));
  const remove = button("삭제", "delete", `${title} 삭제`);
  remove.addEventListener("click", () => deleteConversation(c).catch(report));
  li.append(open, pin, rename, remove);
  return li;
}

function startRename(li, conversation) {
  const field = document.createElement("input");
  field.value = conversation.title;
  field.setAttribute("aria-label", "새 이름");
  li.replaceChildren(field);
  field.focus();
  field.addEventListener("keydown", async (event) => {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "Escape") return drawConversations();
    if (event.key !== "Enter" || !field.value.trim()) return;
    event.preventDefault();
    await api(`/v1/conversations/${conversation.id}`, {
      method: "PATCH",
      body: { title: field.value.trim() },
    }).catch(report);
    await loadConversations();
  });
}

async function deleteConversation(conversation) {
  if (!window.confirm(`"${conversation.title || DEFAULT_TITLE}" 대화를 지울까요?`)) return;
  await api(`/v1/conversations/${conversation.id}`, { method: "DELETE" });
  if (state.conversation?.id === conversation.id) closeConversation();
  await loadConversations();
}

/** Back to the first screen (no conversation open). */
export function closeConversation(updateLocation = true) {
  state.conversation = null;
  state.editing = null;
  $("log").querySelectorAll(".msg, .preset-banner").forEach((n) => n.remove());
  $("passage").hidden = true;
  showWelcome();
  if (updateLocation) setLocation(null);
}

function setLocation(id) {
  const hash = id ? `#/c/${id}` : "";
  if (window.location.hash !== hash) {
    window.history.pushState(null, "", hash || window.location.pathname + window.location.search);
  }
}

/** The conversation id in the address (`#/c/<id>` or `?c=<id>`). */
export function conversationInLocation() {
  const match = window.location.hash.match(/^#\/c\/([\w-]+)$/);
  return match ? match[1] : new URLSearchParams(window.location.search).get("c");
}

export async function newConversation(preset = state.preset) {
  state.preset = preset;
  $("preset").value = preset;
  closeConversation(false);
  document.body.classList.remove("drawer-open");
  state.conversation = await api("/v1/conversations", { method: "POST", body: { preset } });
  setLocation(state.conversation.id);
  presetBanner(preset);
  await loadConversations();
  $("input").focus();
  return state.conversation;
}

export async function openConversation(id) {
  const conversation = await api(`/v1/conversations/${id}`);
  closeConversation(false);
  state.conversation = conversation;
  state.preset = conversation.preset;
  $("preset").value = conversation.preset;
  setLocation(id);
  if (!conversation.messages.length) presetBanner(conversation.preset);
  for (const message of conversation.messages) {
    const item = showMessage(message);
    if (message.role === "assistant") addActions(item);
  }
  follow(true); // a reopened conversation opens at its newest message
  drawConversations();
  document.body.classList.remove("drawer-open");
}

// ---- turns ----------------------------------------------------------------------------------------

function busy(on) {
  $("send").disabled = on;
  $("stop").disabled = !on;
}

export async function send(text = $("input").value.trim()) {
  if (!text || state.controller) return;
  $("input").value = "";
  if (state.editing) {
    const edited = state.editing;
    state.editing = null;
    setStatus("");
    await cutAt(edited);
  }
  const conversation = state.conversation || (await newConversation());
  await uploadForCode(conversation.id).catch((error) => setStatus(`파일을 코드에 넘기지 못했습니다: ${korean(error)}`));
  const first = !$("log").querySelector(".msg");
  clearFollowups();
  bubble("user", text);
  const ok = await streamAnswer(`/v1/conversations/${conversation.id}/messages`, {
    content: text,
    stream: true,
    model: $("model").value || null,
    skills: enabledSkills(),
    ...(memoryOn() ? {} : { memory: false }),
  });
  if (ok && first) await loadConversations(); // the server named it by its first question
}

const PHASES = { skill_call: "스킬 실행 중…", search_documents: "문서 찾는 중…", delta: "답하는 중…" };

/** Stream one answer (a message's, or a confirmed skill's) into a new bubble. */
async function streamAnswer(url, payload) {
  const answer = bubble("assistant");
  answer.classList.add("streaming");
  const body = answer.querySelector(".body");
  const cards = {};
  let content = "";
  let frame = 0;
  state.controller = new AbortController();
  busy(true);
  setStatus("생각하는 중…");
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(payload),
      signal: state.controller.signal,
    });
    if (!response.ok) throw await failure(response);
    for await (const event of sseEvents(response)) {
      if (event.type === "skill_call") {
        setStatus(PHASES[event.name] || PHASES.skill_call);
        cards[event.id] = skillCard(answer, event);
      } else if (event.type === "skill_result") {
        fillCard(cards[event.id] || skillCard(answer, event), event);
      } else if (event.type === "confirmation_required") askToConfirm(answer, event);
      else if (event.type === "delta") {
        setStatus(PHASES.delta);
        content += event.content;
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => {
          renderMarkdown(body, content);
          follow();
        });
      } else if (event.type === "done") {
        cancelAnimationFrame(frame);
        finish(answer, event);
      } else if (event.type === "error") throw new ApiError(400, event.error?.message || "오류");
    }
    setStatus("");
    return true;
  } catch (error) {
    cancelAnimationFrame(frame);
    renderMarkdown(body, content);
    if (error.name === "AbortError") {
      answer.classList.add("stopped");
      setStatus("멈췄습니다");
    } else {
      answer.classList.add("error");
      answer.append(el("p", "error-text", korean(error)));
      setStatus(korean(error), true);
    }
    return false;
  } finally {
    answer.classList.remove("streaming");
    state.controller = null;
    busy(false);
    follow();
  }
}

/** The `done` event: the stored text, its sources, memories and notes, the actions. */
export function finish(answer, event) {
  renderMarkdown(answer.querySelector(".body"), event.message?.content ?? "");
  if (event.message?.id) answer.dataset.messageId = event.message.id;
  showFilter(answer, event.ai_filter);
  showExtras(answer, event);
  addActions(answer);
  showFollowups(answer, event, state.conversation?.preset, (text) => send(text).catch(report));
  if (event.memory?.some((o) => o.op !== "PASS")) window.dispatchEvent(new Event("haneul:memory"));
  follow();
}

// A skill that writes or books waits for the user's yes or no.
function askToConfirm(answer, event) {
  const card = skillCard(answer, event);
  card.classList.add("confirm");
  const box = card.querySelector(".result");
  box.textContent = "실행하기 전에 확인이 필요합니다.";
  const conversation = state.conversation;
  const decide = async (approve) => {
    for (const b of card.querySelectorAll("button.approve, button.decline")) b.disabled = true;
    box.textContent = approve ? "승인했습니다." : "취소했습니다.";
    await streamAnswer(`/v1/conversations/${conversation.id}/confirmations/${event.id}`, {
      approve,
      stream: true,
      model: $("model").value || null,
    });
  };
  for (const [label, approve] of [["승인", true], ["취소", false]]) {
    const choice = button(label, approve ? "approve" : "decline");
    choice.addEventListener("click", () => decide(approve));
    card.append(choice);
  }
}

export function stop() {
  if (state.controller) state.controller.abort();
  else if (state.editing) cancelEdit();
}

// ---- actions under an answer ------------------------------------------------------------------------

function questionBefore(answer) {
  let node = answer.previousElementSibling;
  while (node && !node.classList.contains("user")) node = node.previousElementSibling;
  return node;
}

/** Cut the conversation at this answer's turn, on the server (stored turns) and on screen:
 * the question, the answer and everything after them go, so what is sent next replaces them. */
async function cutAt(answer) {
  const id = answer.dataset.messageId;
  if (id && state.conversation) {
    await api(`/v1/conversations/${state.conversation.id}/messages/${id}`, { method: "DELETE" }).catch((e) => {
      if (e.status !== 404) throw e; // a turn cut off by Stop was never stored
    });
  }
  let node = questionBefore(answer) || answer;
  while (node) {
    const next = node.nextElementSibling;
    if (node.classList.contains("msg")) node.remove();
    node = next;
  }
}

function startEdit(answer) {
  const question = questionBefore(answer);
  $("log").querySelectorAll(".msg.editing").forEach((n) => n.classList.remove("editing"));
  state.editing = answer;
  question?.classList.add("editing");
  $("input").value = question?.querySelector(".body").textContent || "";
  $("input").focus();
  setStatus("고친 질문을 보내면 이 질문부터 대화가 다시 이어집니다 (Esc: 취소)");
}

function cancelEdit() {
  state.editing = null;
  $("log").querySelectorAll(".msg.editing").forEach((n) => n.classList.remove("editing"));
  $("input").value = "";
  setStatus("");
}

const RATINGS = "haneul.ratings"; // thumbs up/down as shown here; the server keeps them too

function rate(answer, value, buttons) {
  const id = answer.dataset.messageId;
  const ratings = JSON.parse(localStorage.getItem(RATINGS) || "{}");
  ratings[id] = ratings[id] === value ? undefined : value;
  localStorage.setItem(RATINGS, JSON.stringify(ratings));
  for (const [v, b] of buttons) b.setAttribute("aria-pressed", String(ratings[id] === v));
  sendRating(answer, ratings[id] ?? null); // stored on the server, with a comment box
}

export function addActions(answer) {
  answer.querySelector(".actions")?.remove();
  const bar = el("div", "actions");
  const copy = button("복사", "copy", "답 복사");
  copy.addEventListener("click", async () => {
    await navigator.clipboard?.writeText(answer.querySelector(".body").innerText).catch(() => {});
    copy.textContent = "복사됨";
  });
  const again = button("다시 답하기", "regenerate", "같은 질문으로 다시 답하기");
  again.addEventListener("click", async () => {
    if (state.controller) return;
    const text = questionBefore(answer)?.querySelector(".body").textContent || "";
    await cutAt(answer).catch(report);
    if (text) await send(text).catch(report);
  });
  const edit = button("질문 고치기", "edit", "질문 고치기: 입력창에서 고쳐 다시 보내기");
  edit.addEventListener("click", () => startEdit(answer));
  const up = button("좋아요", "thumb up", "좋아요: 좋은 답");
  const down = button("아쉬워요", "thumb down", "아쉬워요: 아쉬운 답");
  const thumbs = [["up", up], ["down", down]]; // prettier-ignore
  const saved = JSON.parse(localStorage.getItem(RATINGS) || "{}")[answer.dataset.messageId];
  for (const [v, b] of thumbs) {
    b.setAttribute("aria-pressed", String(saved === v));
    b.addEventListener("click", () => rate(answer, v, thumbs));
  }
  bar.append(copy, again, edit, up, down);
  answer.append(bar);
}

export function report(error) {
  setStatus(korean(error), true);
}
