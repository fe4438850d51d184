// The workspace page: 오늘 할 일 (/v1/todos/today), recent documents of the user's collections and
// their teams', the five actions, «무엇이든 물어보세요», and the 할 일 생성 review flow (propose,
// edit, accept: nothing is saved before 저장). DOM nodes only: text is never parsed as HTML.
import { $, el, report, requests, say } from "./page.js";

const { call } = requests("/workspace");
const PRIORITY = { high: "높음", normal: "보통", low: "낮음" };

function dueLabel(todo) {
  if (!todo.due) return "";
  const [, m, d] = todo.due.split("-").map(Number);
  return todo.overdue ? `${m}월 ${d}일 · 지남` : `${m}월 ${d}일`;
}

function todoItem(todo) {
  const box = el("input", { type: "checkbox", checked: todo.status === "done" });
  box.setAttribute("aria-label", `${todo.title} 완료`);
  box.addEventListener("change", () =>
    call(`/v1/todos/${todo.id}`, { method: "PATCH", body: { status: box.checked ? "done" : "open" } })
      .then(loadToday)
      .catch(report),
  );
  const meta = el("span", { className: "meta" }, dueLabel(todo));
  if (todo.priority !== "normal") meta.append(el("span", { className: `pri ${todo.priority}` }, PRIORITY[todo.priority]));
  const item = el("li", { className: todo.overdue ? "todo overdue" : "todo" }, el("label", {}, box, " ", todo.title), meta);
  item.dataset.id = todo.id;
  if (todo.subtasks.length) item.append(el("ul", { className: "subtasks" }, ...todo.subtasks.map(todoItem)));
  return item;
}

async function loadToday() {
  const briefing = await call("/v1/todos/today");
  $("today-date").textContent = `${briefing.date}${briefing.overdue ? ` · 지난 할 일 ${briefing.overdue}개` : ""}`;
  $("today").replaceChildren(...briefing.data.map(todoItem));
  $("today-empty").hidden = briefing.data.length > 0;
}

async function loadDocs() {
  const collections = (await call("/v1/collections")).data || [];
  const lists = await Promise.all(
    collections.map((c) =>
      call(`/v1/collections/${encodeURIComponent(c.name)}/documents`)
        .then((r) => (r.data || []).map((d) => ({ ...d, collection: c.name })))
        .catch(() => []),
    ),
  );
  const docs = lists.flat().sort((a, b) => b.added_at - a.added_at).slice(0, 8);
  $("recent-docs").replaceChildren(
    ...docs.map((d) => el("li", {}, d.title || d.name, " ", el("span", { className: "muted" }, d.collection))),
  );
  $("docs-empty").hidden = docs.length > 0;
}

// ---- 할 일 생성: propose, review, accept ----------------------------------------------------------

let proposal = null;

function candidateRow(c, i) {
  const pick = el("input", { type: "checkbox", checked: true });
  pick.setAttribute("aria-label", `${c.title} 선택`);
  const title = el("input", { value: c.title });
  title.setAttribute("aria-label", `할 일 ${i + 1} 제목`);
  const due = el("input", { type: "date", value: c.due || "", title: c.due_text || "" });
  due.setAttribute("aria-label", `할 일 ${i + 1} 마감`);
  const priority = el("select", {}, ...Object.entries(PRIORITY).map(([v, t]) => el("option", { value: v, selected: v === c.priority }, t)));
  priority.setAttribute("aria-label", `할 일 ${i + 1} 중요도`);
  const subs = c.subtasks.map((s) => s.title).join(", ");
  const row = el("tr", {}, el("td", {}, pick), el("td", {}, title), el("td", {}, due, el("small", { className: "muted" }, c.due_text ? ` ${c.due_text}` : "")), el("td", {}, priority), el("td", {}, subs));
  row.read = () => ({
    picked: pick.checked,
    todo: { title: title.value, due: due.value || null, priority: priority.value, subtasks: c.subtasks, source: c.source },
  });
  return row;
}

async function propose(event) {
  event.preventDefault();
  const file = $("extract-file").files[0];
  $("extract").disabled = true;
  $("review-note").textContent = "할 일을 찾는 중…";
  try {
    if (file) {
      const form = new FormData();
      form.append("file", file);
      proposal = await call("/v1/todos/extract/upload", { method: "POST", form });
    } else {
      proposal = await call("/v1/todos/extract", { method: "POST", body: { text: $("extract-text").value } });
    }
    const rows = proposal.candidates.map(candidateRow);
    $("candidates").replaceChildren(...rows);
    $("candidates-table").hidden = $("accept").hidden = rows.length === 0;
    $("review-note").textContent = rows.length
      ? `할 일 ${rows.length}개를 찾았습니다. 확인하고 고친 뒤 저장하세요. (아직 저장되지 않았습니다)`
      : "할 일을 찾지 못했습니다.";
  } catch (error) {
    $("review-note").textContent = "";
    report(error);
  } finally {
    $("extract").disabled = false;
  }
}

async function accept() {
  const chosen = [...$("candidates").children].map((row) => row.read()).filter((r) => r.picked).map((r) => r.todo);
  if (!chosen.length) return say("저장할 할 일을 고르세요.", false);
  const saved = await call("/v1/todos/accept", { method: "POST", body: { candidates: chosen } });
  say(`할 일 ${saved.data.length}개를 저장했습니다.`);
  $("candidates").replaceChildren();
  $("candidates-table").hidden = $("accept").hidden = true;
  $("review-note").textContent = "";
  await loadToday();
}

function wire() {
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("ask-input").value.trim();
    location.assign(text ? `/?ask=${encodeURIComponent(text)}` : "/");
  });
  $("action-todo").addEventListener("click", () => {
    $("review").hidden = false;
    $("extract-text").focus();
  });
  $("review-close").addEventListener("click", () => ($("review").hidden = true));
  $("extract-form").addEventListener("submit", propose);
  $("accept").addEventListener("click", () => accept().catch(report));
  $("quick-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { title: form.title.value, due: form.due.value || null, priority: form.priority.value };
    call("/v1/todos", { method: "POST", body })
      .then(() => form.reset())
      .then(loadToday)
      .catch(report);
  });
  $("subscribe").addEventListener("click", () =>
    call("/v1/todos/feed", { method: "POST" })
      .then((feed) => ($("feed").textContent = `휴대폰 캘린더에서 이 주소를 구독하세요: ${feed.url}`))
      .catch(report),
  );
}

async function start() {
  wire();
  const me = await call("/v1/auth/me").catch(() => ({}));
  if (me.user) $("who").textContent = me.user.display_name || me.user.name;
  if (new URLSearchParams(location.search).has("new")) $("review").hidden = false;
  await Promise.all([loadToday(), loadDocs()]).catch(report);
  document.body.dataset.ready = "true";
}

start();
