// The mail page: connect a mailbox (or import .eml/.mbox), the inbox's threads, a thread with its
// summary and 할 일 (proposed, saved only when chosen), and the reply draft editor: the user
// approves the exact text shown (its digest), and only an approved draft can be sent.
// DOM nodes only: mail text is never parsed as HTML.
import { $, el, report, requests, say } from "./page.js";

const { call } = requests("/mail");
const when = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleString("ko-KR") : "");

let current = null; // the open thread's id
let draft = null; // the draft in the editor, as the server last returned it

async function loadAccount() {
  try {
    const account = await call("/v1/mail/account");
    $("account").textContent = account.address;
    $("connect").hidden = true;
  } catch (error) {
    if (error.status !== 404) throw error;
    $("account").textContent = "연결된 메일함 없음";
    $("connect").hidden = false;
  }
}

async function loadThreads() {
  const threads = (await call("/v1/mail/threads")).data;
  $("threads").replaceChildren(
    ...threads.map((t) => {
      const open = el(
        "button",
        { type: "button" },
        el("span", { className: "subject" }, t.subject || "(제목 없음)"),
        el("span", { className: "muted" }, `${t.senders.join(", ")} · ${t.count}통 · ${when(t.date)}`),
      );
      open.addEventListener("click", () => openThread(t.id).catch(report));
      return el("li", {}, open);
    }),
  );
  $("inbox-empty").hidden = threads.length > 0;
}

async function openThread(id) {
  const thread = await call(`/v1/mail/threads/${id}`);
  current = id;
  $("thread").hidden = false;
  $("thread-title").textContent = thread.subject;
  $("summary").hidden = true;
  $("todo-review").hidden = true;
  $("messages").replaceChildren(
    ...thread.messages.map((m) =>
      el("li", {}, el("strong", {}, m.from), " ", el("span", { className: "muted" }, when(m.date)), el("pre", {}, m.text)),
    ),
  );
  const open = thread.drafts.filter((d) => d.status !== "sent");
  if (open.length) showDraft(open[open.length - 1]);
  else $("draft").hidden = true;
}

async function summarize() {
  $("summary").hidden = false;
  $("summary").textContent = "요약하는 중…";
  const answer = await call(`/v1/mail/threads/${current}/summary`, { method: "POST", body: {} });
  $("summary").textContent = answer.summary;
  if (answer.drafted === "extractive") {
    // the thread's own sentences: a small model is not asked, or its summary failed a check
    const why = answer.model_asked === false
      ? `지금 모델(${answer.model})은 작은 모델이라 요약을 쓰지 않고, 각 메일의 첫 문장을 그대로 옮겼습니다.`
      : "모델이 쓴 요약이 메일 내용과 맞지 않아, 각 메일의 첫 문장을 그대로 옮겼습니다.";
    $("summary").append(el("span", { className: "summary-note muted" }, why));
  }
}

let candidates = [];

async function proposeTodos() {
  const proposal = await call(`/v1/mail/threads/${current}/todos`, { method: "POST", body: {} });
  candidates = proposal.candidates;
  $("candidates").replaceChildren(
    ...candidates.map((c, i) => {
      const pick = el("input", { type: "checkbox", checked: true });
      pick.dataset.index = i;
      return el("li", {}, el("label", {}, pick, " ", c.title, c.due ? ` (${c.due})` : ""));
    }),
  );
  $("todo-review").hidden = false;
  say(candidates.length ? "저장할 할 일을 고르세요. 고르기 전에는 저장하지 않습니다." : "할 일을 찾지 못했습니다.");
}

async function acceptTodos() {
  const picked = [...$("candidates").querySelectorAll("input:checked")].map((b) => candidates[b.dataset.index]);
  if (!picked.length) return say("고른 할 일이 없습니다.", false);
  await call("/v1/todos/accept", { method: "POST", body: { candidates: picked } });
  $("todo-review").hidden = true;
  say(`할 일 ${picked.length}개를 저장했습니다.`);
}

function showDraft(d) {
  draft = d;
  $("draft").hidden = false;
  $("draft-to").value = d.to.join(", ");
  $("draft-subject").value = d.subject;
  $("draft-body").value = d.body;
  showState();
}

function edited() {
  return (
    $("draft-to").value !== draft.to.join(", ") ||
    $("draft-subject").value !== draft.subject ||
    $("draft-body").value !== draft.body
  );
}

function showState() {
  const approved = draft.approved && !edited();
  $("send").disabled = !approved || draft.status === "sent";
  $("draft-state").textContent =
    draft.status === "sent" ? "보냄" : approved ? "승인됨: 보낼 수 있습니다" : "승인 전";
}

async function newDraft() {
  $("draft-state").textContent = "초안을 쓰는 중…";
  showDraft(await call(`/v1/mail/threads/${current}/drafts`, { method: "POST", body: {} }));
}

async function approve() {
  if (edited()) {
    const to = $("draft-to").value.split(",").map((s) => s.trim()).filter(Boolean);
    const body = { to, subject: $("draft-subject").value, body: $("draft-body").value };
    draft = await call(`/v1/mail/drafts/${draft.id}`, { method: "PATCH", body });
  }
  showDraft(await call(`/v1/mail/drafts/${draft.id}/approve`, { method: "POST", body: { digest: draft.digest } }));
  say("승인했습니다. 보내기를 누르면 이 내용 그대로 보냅니다.");
}

async function send() {
  $("send").disabled = true;
  showDraft(await call(`/v1/mail/drafts/${draft.id}/send`, { method: "POST" }));
  say(`보냈습니다. ${draft.sent_folder || "보낸 편지함"}에 저장했습니다.`);
  await Promise.all([openThread(current), loadThreads()]);
}

async function connect(event) {
  event.preventDefault();
  const form = new FormData($("connect-form"));
  const body = Object.fromEntries(form.entries());
  body.imap_port = Number(body.imap_port);
  body.smtp_port = Number(body.smtp_port);
  say("메일 서버에 연결하는 중…");
  await call("/v1/mail/account", { method: "PUT", body });
  $("connect-form").reset();
  await loadAccount();
  await sync();
}

async function importFile(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  if (!file) return say("파일을 고르세요.", false);
  const form = new FormData();
  form.append("file", file);
  const answer = await call("/v1/mail/import", { method: "POST", form });
  say(`메일 ${answer.added}통을 가져왔습니다.`);
  await loadThreads();
}

async function sync() {
  const answer = await call("/v1/mail/sync", { method: "POST" });
  say(answer.added ? `새 메일 ${answer.added}통` : "새 메일이 없습니다.");
  await loadThreads();
}

$("connect-form").addEventListener("submit", (e) => connect(e).catch(report));
$("import-form").addEventListener("submit", (e) => importFile(e).catch(report));
$("sync").addEventListener("click", () => sync().catch(report));
$("show-connect").addEventListener("click", () => ($("connect").hidden = !$("connect").hidden));
$("summarize").addEventListener("click", () => summarize().catch(report));
$("todos").addEventListener("click", () => proposeTodos().catch(report));
$("accept").addEventListener("click", () => acceptTodos().catch(report));
$("reply").addEventListener("click", () => newDraft().catch(report));
$("approve").addEventListener("click", () => approve().catch(report));
$("send").addEventListener("click", () => send().catch(report));
for (const id of ["draft-to", "draft-subject", "draft-body"]) $(id).addEventListener("input", () => draft && showState());

loadAccount()
  .then(loadThreads)
  .catch(report)
  .finally(() => (document.body.dataset.ready = "true"));
