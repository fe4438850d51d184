// Haneul web UI: plain browser JavaScript, no build step, no CDN. Markdown (marked), sanitising
// (DOMPurify) and code highlighting (highlight.js) come from /static/vendor when `make setup` put
// them there; without them answers are shown as plain text.
"use strict";

const $ = (id) => document.getElementById(id);
const DEFAULT_TITLE = "새 대화"; // what the server calls an unnamed conversation
const state = { conversation: null, controller: null, composing: false, skills: [] };

// ---- API -------------------------------------------------------------------------------------

function headers(extra = {}) {
  const key = $("key").value.trim();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, form } = {}) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body) init.body = JSON.stringify(body);
  if (form) init.body = form;
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = data?.error?.message || data?.status?.message; // OpenAI's or CLOVA's shape
    throw new ApiError(response.status, message || `HTTP ${response.status}`);
  }
  return data;
}

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

// ---- rendering -------------------------------------------------------------------------------

function renderMarkdown(element, text) {
  if (window.marked && window.DOMPurify) {
    element.innerHTML = window.DOMPurify.sanitize(window.marked.parse(text));
    if (window.hljs) {
      element.querySelectorAll("pre code").forEach((code) => window.hljs.highlightElement(code));
    }
  } else {
    element.textContent = text;
  }
}

function bubble(role, text = "") {
  const item = document.createElement("article");
  item.className = `msg ${role}`;
  item.setAttribute("aria-label", role === "user" ? "내 메시지" : "하늘의 답");
  const body = document.createElement("div");
  body.className = "body";
  if (role === "assistant") renderMarkdown(body, text);
  else body.textContent = text;
  item.append(body);
  $("log").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function skillCard(parent, call) {
  const card = document.createElement("details");
  card.className = "skill-card";
  card.open = true;
  card.dataset.skill = call.name;
  card.dataset.callId = call.id || "";
  const summary = document.createElement("summary");
  summary.textContent = `스킬 ${call.name}`;
  const args = document.createElement("pre");
  args.className = "arguments";
  args.textContent = JSON.stringify(call.arguments ?? {}, null, 2);
  const result = document.createElement("div");
  result.className = "result";
  result.textContent = "실행 중…";
  card.append(summary, args, result);
  parent.insertBefore(card, parent.querySelector(".body"));
  return card;
}

function fillCard(card, result) {
  const box = card.querySelector(".result");
  if (result.error) {
    box.textContent = `오류: ${result.error}`;
    card.classList.add("failed");
    return;
  }
  renderMarkdown(box, result.content || "");
  if (result.steps?.length) {
    const steps = document.createElement("ol");
    steps.className = "steps";
    for (const step of result.steps) {
      const li = document.createElement("li");
      li.textContent = step;
      steps.append(li);
    }
    box.append(steps);
  }
  if (result.flagged?.length) {
    const note = document.createElement("p");
    note.className = "flagged";
    note.textContent = `AI 필터: ${result.flagged.join(", ")} (모델에는 제거된 채 전달됨)`;
    box.append(note);
  }
}

function showMessage(message) {
  const item = bubble(message.role, message.content);
  for (const call of message.skill_calls || []) fillCard(skillCard(item, call), call);
}

// ---- conversations ---------------------------------------------------------------------------

async function loadConversations() {
  const list = $("conversations");
  const { data } = await api("/v1/conversations");
  list.replaceChildren();
  for (const c of data) {
    const li = document.createElement("li");
    li.dataset.id = c.id;
    if (state.conversation?.id === c.id) li.classList.add("current");
    const open = document.createElement("button");
    open.className = "open";
    open.textContent = c.title || "새 대화";
    open.addEventListener("click", () => openConversation(c.id));
    const rename = document.createElement("button");
    rename.className = "rename";
    rename.textContent = "이름";
    rename.setAttribute("aria-label", `${open.textContent} 이름 바꾸기`);
    rename.addEventListener("click", () => startRename(li, c));
    const remove = document.createElement("button");
    remove.className = "delete";
    remove.textContent = "삭제";
    remove.setAttribute("aria-label", `${open.textContent} 삭제`);
    remove.addEventListener("click", () => deleteConversation(c));
    li.append(open, rename, remove);
    list.append(li);
  }
}

function startRename(li, conversation) {
  const field = document.createElement("input");
  field.value = conversation.title;
  field.setAttribute("aria-label", "새 이름");
  li.replaceChildren(field);
  field.focus();
  field.addEventListener("keydown", async (event) => {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === "Escape") return loadConversations();
    if (event.key !== "Enter" || !field.value.trim()) return;
    event.preventDefault();
    await api(`/v1/conversations/${conversation.id}`, {
      method: "PATCH",
      body: { title: field.value.trim() },
    }).catch((e) => setStatus(e.message, true));
    await loadConversations();
  });
}

async function deleteConversation(conversation) {
  if (!window.confirm(`"${conversation.title || "새 대화"}" 대화를 지울까요?`)) return;
  await api(`/v1/conversations/${conversation.id}`, { method: "DELETE" });
  if (state.conversation?.id === conversation.id) {
    state.conversation = null;
    $("log").replaceChildren();
  }
  await loadConversations();
}

async function newConversation() {
  state.conversation = await api("/v1/conversations", {
    method: "POST",
    body: { preset: $("preset").value },
  });
  $("log").replaceChildren();
  await loadConversations();
  $("input").focus();
  return state.conversation;
}

async function openConversation(id) {
  const conversation = await api(`/v1/conversations/${id}`);
  state.conversation = conversation;
  $("preset").value = conversation.preset;
  $("log").replaceChildren();
  for (const message of conversation.messages) showMessage(message);
  await loadConversations();
}

// ---- sending and streaming -------------------------------------------------------------------

function enabledSkills() {
  const boxes = [...document.querySelectorAll("#skills input[type=checkbox]")];
  const on = boxes.filter((b) => b.checked).map((b) => b.value);
  return on.length === boxes.length ? null : on;
}

async function* sseEvents(response) {
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

function busy(on) {
  $("send").disabled = on;
  $("stop").disabled = !on;
}

async function send() {
  const input = $("input");
  const text = input.value.trim();
  if (!text || state.controller) return;
  input.value = "";
  const conversation = state.conversation || (await newConversation());
  const first = !$("log").querySelector(".msg");
  bubble("user", text);
  const ok = await streamAnswer(`/v1/conversations/${conversation.id}/messages`, {
    content: text,
    stream: true,
    model: $("model").value || null,
    skills: enabledSkills(),
  });
  if (ok && first && [DEFAULT_TITLE, ""].includes(conversation.title)) {
    await nameConversation(conversation, text);
  }
}

// Stream one answer (a message's, or a confirmed skill's) into a new bubble.
async function streamAnswer(url, payload) {
  const answer = bubble("assistant");
  answer.classList.add("streaming");
  const body = answer.querySelector(".body");
  const cards = {};
  let content = "";
  let frame = 0;
  state.controller = new AbortController();
  busy(true);
  setStatus("답하는 중…");
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(payload),
      signal: state.controller.signal,
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      const message = data?.error?.message || data?.status?.message; // OpenAI's or CLOVA's shape
    throw new ApiError(response.status, message || `HTTP ${response.status}`);
    }
    for await (const event of sseEvents(response)) {
      if (event.type === "skill_call") cards[event.id] = skillCard(answer, event);
      else if (event.type === "skill_result") fillCard(cards[event.id] || skillCard(answer, event), event);
      else if (event.type === "confirmation_required") askToConfirm(answer, event);
      else if (event.type === "delta") {
        content += event.content;
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => renderMarkdown(body, content));
      } else if (event.type === "done") {
        cancelAnimationFrame(frame);
        renderMarkdown(body, event.message.content);
        answer.dataset.messageId = event.message.id;
        showFilter(answer, event.ai_filter);
        if (event.memory?.some((o) => o.op !== "PASS")) loadMemories().catch(() => {});
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
      const note = document.createElement("p");
      note.className = "error-text";
      note.textContent = error.message;
      answer.append(note);
      setStatus(error.message, true);
    }
    return false;
  } finally {
    answer.classList.remove("streaming");
    state.controller = null;
    busy(false);
  }
}

// A skill that writes or books waits for the user's yes or no.
function askToConfirm(answer, event) {
  const card = skillCard(answer, event);
  card.classList.add("confirm");
  const box = card.querySelector(".result");
  box.textContent = "실행하기 전에 확인이 필요합니다.";
  const conversation = state.conversation;
  const decide = async (approve) => {
    for (const b of card.querySelectorAll("button")) b.disabled = true;
    box.textContent = approve ? "승인했습니다." : "취소했습니다.";
    await streamAnswer(`/v1/conversations/${conversation.id}/confirmations/${event.id}`, {
      approve,
      stream: true,
      model: $("model").value || null,
    });
  };
  for (const [label, approve] of [["승인", true], ["취소", false]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = approve ? "approve" : "decline";
    button.textContent = label;
    button.addEventListener("click", () => decide(approve));
    card.append(button);
  }
}

function showFilter(answer, filters) {
  const hits = (filters || []).filter((f) => f.score === "0"); // CLOVA: "0" = likely
  if (!hits.length) return;
  const note = document.createElement("p");
  note.className = "flagged";
  note.textContent = `AI 필터: ${hits.map((f) => f.name).join(", ")}`;
  answer.append(note);
}

async function nameConversation(conversation, text) {
  conversation.title = text.slice(0, 40);
  await api(`/v1/conversations/${conversation.id}`, {
    method: "PATCH",
    body: { title: conversation.title },
  }).catch(() => {});
  await loadConversations();
}

function stop() {
  state.controller?.abort();
}

// ---- the input box: Korean IME -----------------------------------------------------------------
// While a syllable is being composed (compositionstart .. compositionend) Enter belongs to the IME:
// it commits the syllable and must not send. Chromium also reports such keys as isComposing or
// keyCode 229. The value is read only when we send, after the IME has committed, so the last
// syllable is neither lost nor sent twice.

function wireInput() {
  const input = $("input");
  input.addEventListener("compositionstart", () => (state.composing = true));
  input.addEventListener("compositionend", () => (state.composing = false));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") return stop();
    if (event.key !== "Enter" || event.shiftKey) return;
    if (state.composing || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send();
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("stop").addEventListener("click", stop);
}

// ---- side panel: skills, documents, memory -----------------------------------------------------

async function loadSkills() {
  const list = $("skills");
  const { data } = await api("/v1/skills").catch(() => ({ data: [] }));
  list.replaceChildren();
  for (const skill of data) {
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = skill.name;
    label.append(box, ` ${skill.title || skill.name}`);
    label.title = skill.description;
    li.append(label);
    list.append(li);
  }
}

async function loadCollections(select) {
  const { data } = await api("/v1/collections");
  const chooser = $("collection");
  chooser.replaceChildren();
  for (const c of data) chooser.append(new Option(`${c.name} (${c.documents ?? 0})`, c.name));
  if (select) chooser.value = select;
  await loadDocuments();
}

async function loadDocuments() {
  const name = $("collection").value;
  const list = $("documents");
  list.replaceChildren();
  if (!name) return;
  const { data } = await api(`/v1/collections/${encodeURIComponent(name)}/documents`);
  for (const d of data) {
    const li = document.createElement("li");
    li.textContent = d.name;
    list.append(li);
  }
}

async function createCollection() {
  const name = $("new-collection").value.trim();
  if (!name) return;
  try {
    await api("/v1/collections", { method: "POST", body: { name } });
    $("new-collection").value = "";
    await loadCollections(name);
  } catch (error) {
    $("upload-status").textContent = error.message;
  }
}

async function upload() {
  const files = $("upload").files;
  const name = $("collection").value;
  const status = $("upload-status");
  if (!files.length) return;
  if (!name) {
    status.textContent = "먼저 컬렉션을 만드세요";
    return;
  }
  const form = new FormData();
  for (const file of files) form.append("files", file);
  status.textContent = `${files.length}개 파일 색인 중…`;
  try {
    const result = await api(`/v1/collections/${encodeURIComponent(name)}/documents`, {
      method: "POST",
      form,
    });
    const failed = (result.results || []).filter((r) => r.status === "failed");
    status.textContent =
      `색인 완료: ${result.added + result.updated}개 추가, ${result.unchanged}개 그대로` +
      failed.map((r) => ` · ${r.name}: ${r.reason}`).join("");
    await loadCollections(name);
  } catch (error) {
    status.textContent = `올리기 실패: ${error.message}`;
  }
  $("upload").value = "";
}

function hint(list, text) {
  // a greyed line in a panel's list: empty, or why it cannot be shown
  const li = document.createElement("li");
  li.className = "hint";
  li.textContent = text;
  list.append(li);
}

async function loadMemories() {
  const list = $("memories");
  list.replaceChildren();
  let data;
  try {
    ({ data } = await api("/v1/memories"));
  } catch (error) {
    hint(list, error.status === 404 ? "이 서버에서는 기억 기능을 쓸 수 없습니다" : error.message);
    return;
  }
  if (!data.length) {
    hint(list, "아직 기억한 것이 없습니다");
  }
  for (const memory of data) {
    const li = document.createElement("li");
    const field = document.createElement("input");
    field.value = memory.content;
    field.setAttribute("aria-label", "기억 내용");
    const save = document.createElement("button");
    save.textContent = "저장";
    save.addEventListener("click", () =>
      api(`/v1/memories/${memory.id}`, { method: "PATCH", body: { content: field.value } }).then(
        loadMemories,
      ),
    );
    const remove = document.createElement("button");
    remove.textContent = "삭제";
    remove.addEventListener("click", () =>
      api(`/v1/memories/${memory.id}`, { method: "DELETE" }).then(loadMemories),
    );
    li.append(field, save, remove);
    list.append(li);
  }
}

const TUNING_STATUS = { WAIT: "대기", RUNNING: "학습 중", SUCCEEDED: "완료", FAILED: "실패" };

async function lossCurve(task) {
  // fetched with the key (an <img src> cannot send it), shown from a blob URL
  const response = await fetch(`/tuning/v2/tasks/${task.id}/loss.svg`, { headers: headers() });
  if (!response.ok) return null;
  const img = document.createElement("img");
  img.src = URL.createObjectURL(await response.blob());
  img.alt = `${task.name} 학습 손실 곡선`;
  img.className = "loss-curve";
  return img;
}

async function loadTuning() {
  const list = $("tuning-tasks");
  list.replaceChildren();
  let tasks;
  try {
    ({ result: { tasks } } = await api("/tuning/v2/tasks"));
  } catch (error) {
    hint(list, error.status === 404 ? "이 서버에서는 튜닝을 쓸 수 없습니다" : error.message);
    return;
  }
  if (!tasks.length) {
    hint(list, "튜닝 작업이 없습니다");
  }
  for (const task of tasks) {
    const li = document.createElement("li");
    li.dataset.task = task.id;
    const info = task.statusInfo || {};
    const title = document.createElement("strong");
    title.textContent = task.name;
    const line = document.createElement("span");
    const parts = [TUNING_STATUS[task.taskStatus] || task.taskStatus];
    if (info.totalTrainSteps) parts.push(`${info.currStep}/${info.totalTrainSteps} 스텝`);
    if (info.trainLoss != null) parts.push(`손실 ${Number(info.trainLoss).toFixed(3)}`);
    if (info.failureReason) parts.push(info.failureReason);
    line.textContent = ` ${parts.join(" · ")}`;
    li.append(title, line);
    const img = await lossCurve(task);
    if (img) li.append(img);
    list.append(li);
  }
}

function wireTabs() {
  const tabs = [...document.querySelectorAll("[role=tab]")];
  const loaders = {
    "tab-docs": () => loadCollections(),
    "tab-memory": loadMemories,
    "tab-tuning": loadTuning,
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const other of tabs) {
        other.setAttribute("aria-selected", String(other === tab));
        $(other.getAttribute("aria-controls")).hidden = other !== tab;
      }
      loaders[tab.id]?.().catch((e) => setStatus(e.message, true));
    });
  }
}

// ---- start -----------------------------------------------------------------------------------

async function loadModels() {
  const chooser = $("model");
  const fallback = document.body.dataset.defaultModel;
  const { data } = await api("/v1/models").catch(() => ({ data: [{ id: fallback }] }));
  for (const m of data) if (!m.alias_of) chooser.append(new Option(m.id, m.id)); // no aliases
  chooser.value = fallback;
}

async function start() {
  const key = $("key");
  key.value = localStorage.getItem("haneul.key") || "";
  key.addEventListener("change", () => {
    localStorage.setItem("haneul.key", key.value.trim());
    refresh();
  });
  wireInput();
  wireTabs();
  $("new-conversation").addEventListener("click", () => newConversation().catch(report));
  $("create-collection").addEventListener("click", createCollection);
  $("collection").addEventListener("change", loadDocuments);
  $("upload").addEventListener("change", upload);
  $("reload-tuning").addEventListener("click", () => loadTuning().catch(report));
  await refresh();
  document.body.dataset.ready = "true";
}

function report(error) {
  setStatus(error.status === 401 ? "API 키가 필요합니다" : error.message, true);
}

async function refresh() {
  await Promise.all([loadModels(), loadSkills(), loadConversations()]).catch(report);
}

start();
