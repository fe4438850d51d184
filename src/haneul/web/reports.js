// 보고서 작성: pick a collection and a template, edit the proposed outline, write the report
// with live progress (server-sent events from /v1/reports/{id}/generate), read it with its
// summary table and sources, download Markdown, DOCX or HWPX. DOM nodes only (no HTML parsing).
import { sseEvents } from "./api.js";
import { $, el, requests, say } from "./page.js";

const { send, call } = requests(null, { bearer: true });
const STAGE = { search: "자료 검색", summarise: "긴 자료 요약", write: "작성 중" };
let current = null; // the report being edited or shown

function headingRow(text) {
  const input = el("input", { value: text, maxLength: 200, required: true });
  input.setAttribute("aria-label", "개요 항목");
  const li = el("li", {}, input);
  const move = (label, name, fn) => {
    const b = el("button", { type: "button", textContent: label, title: name });
    b.setAttribute("aria-label", name);
    b.addEventListener("click", () => fn(li));
    li.append(b);
  };
  move("↑", "위로", (row) => row.previousElementSibling?.before(row));
  move("↓", "아래로", (row) => row.nextElementSibling?.after(row));
  move("삭제", "항목 삭제", (row) => row.remove());
  return li;
}

function showEditor(report) {
  current = report;
  $("editor").hidden = false;
  $("title").value = report.title;
  $("outline").replaceChildren(...report.outline.map(headingRow));
}

const outline = () => [...$("outline").querySelectorAll("input")].map((i) => i.value.trim()).filter(Boolean);

function withCites(text) {
  const p = el("p");
  for (const part of text.split(/(\[\d+\])/)) {
    p.append(/^\[\d+\]$/.test(part) ? el("span", { className: "cite", textContent: part }) : part);
  }
  return p;
}

// A section the model's draft could not be kept for (prompt text, a loop, an unsupported
// number) is the passages' own sentences: say so, with the reason on hover.
const drafted = (s) =>
  s.drafted === "extractive"
    ? [el("p", { className: "drafted", title: s.reason || "", textContent: "자료 발췌: 모델 초안이 검사를 통과하지 못해 출처의 문장을 그대로 옮겼습니다." })]
    : [];

function showResult(report) {
  current = report;
  $("result").hidden = false;
  $("result-title").textContent = report.title;
  $("sections").replaceChildren(
    ...report.sections.flatMap((s) => [el("h3", { textContent: s.heading }), ...drafted(s), ...s.text.split("\n").filter(Boolean).map(withCites)]),
  );
  const [head, ...rows] = report.table || [];
  $("table").replaceChildren(
    el("thead", {}, el("tr", {}, ...(head || []).map((c) => el("th", { scope: "col", textContent: c })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { textContent: c }))))),
  );
  $("sources").replaceChildren(
    ...(report.sources || []).map((c) => el("li", { textContent: `${c.document}${c.page ? `, ${c.page}쪽` : ""}: ${c.snippet}` })),
  );
  for (const format of ["md", "docx", "hwpx"]) {
    const name = format === "md" ? "markdown" : format;
    $(format).href = `/v1/reports/${report.id}/export?format=${name}`;
  }
}

function progressRows(headings) {
  $("progress-box").hidden = false;
  $("bar").max = headings.length;
  $("bar").value = 0;
  $("progress").replaceChildren(...headings.map((h) => el("li", { textContent: `${h}: 대기` })));
}

function onEvent(event, headings) {
  const rows = $("progress").children;
  if (event.type === "started") {
    for (let i = 0; i < event.resumed_at; i++) rows[i].textContent = `${headings[i]}: 완료 (이전에 작성)`;
    $("bar").value = event.resumed_at;
  } else if (event.type === "progress") {
    rows[event.index].textContent = `${event.heading}: ${STAGE[event.stage] || event.stage}`;
    rows[event.index].className = "running";
  } else if (event.type === "section") {
    const how = event.section.drafted === "extractive" ? ", 자료 발췌" : "";
    rows[event.index].textContent = `${event.section.heading}: 완료 (출처 ${event.section.citations.length}개${how})`;
    rows[event.index].className = "done";
    $("bar").value = event.index + 1;
  } else if (event.type === "done") {
    showResult(event.report);
    say("보고서를 작성했습니다.");
  } else if (event.type === "error") {
    say(`작성하지 못했습니다: ${event.message}`, false);
  }
}

async function generate() {
  const headings = outline();
  if (!headings.length) return say("개요 항목이 하나 이상 있어야 합니다.", false);
  const report = await call(`/v1/reports/${current.id}`, {
    method: "PATCH",
    body: { title: $("title").value.trim() || undefined, outline: headings },
  });
  progressRows(report.outline);
  $("generate").disabled = true;
  say("작성 중입니다…");
  try {
    const response = await send(`/v1/reports/${report.id}/generate`, { method: "POST", body: {} });
    for await (const event of sseEvents(response)) onEvent(event, report.outline);
  } finally {
    $("generate").disabled = false;
    await listReports();
  }
}

// «AI 개요 제안»: the model drafts headings from the collection; the template's come back
// when its reply does not parse. Either way the outline stays editable.
async function draftOutline() {
  $("draft-outline").disabled = true;
  say("문서를 읽고 개요를 만드는 중입니다…");
  try {
    const report = await call(`/v1/reports/${current.id}/outline`, { method: "POST", body: {} });
    showEditor(report);
    say(report.outline_drafted === "model"
      ? "문서에서 개요를 만들었습니다. 항목을 고친 뒤 «보고서 작성»을 누르세요."
      : "모델의 개요를 쓸 수 없어 템플릿 개요를 그대로 두었습니다.", report.outline_drafted === "model");
  } finally {
    $("draft-outline").disabled = false;
  }
}

async function open(id) {
  const report = await call(`/v1/reports/${id}`);
  showEditor(report);
  $("result").hidden = !report.sections.length;
  if (report.sections.length) showResult(report);
  if (report.status === "interrupted") say("작성이 중단된 보고서입니다. «보고서 작성»을 누르면 이어서 씁니다.", false);
}

async function listReports() {
  const { data } = await call("/v1/reports");
  $("reports").replaceChildren(
    ...data.map((r) => {
      const b = el("button", { type: "button", textContent: r.title });
      b.addEventListener("click", () => open(r.id).catch((e) => say(e.message, false)));
      return el("li", {}, b);
    }),
  );
}

async function start() {
  const [collections, templates] = await Promise.all([call("/v1/collections"), call("/v1/reports/templates")]);
  $("collection").replaceChildren(...collections.data.map((c) => el("option", { value: c.name, textContent: c.name })));
  $("template").append(...templates.data.map((t) => el("option", { value: t.name, textContent: t.name })));
  $("create").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { topic: $("topic").value.trim(), collection: $("collection").value, template: $("template").value || null };
      showEditor(await call("/v1/reports", { method: "POST", body }));
      $("result").hidden = true;
      $("progress-box").hidden = true;
      say("개요를 제안했습니다. 항목을 고친 뒤 «보고서 작성»을 누르세요.");
      await listReports();
    } catch (e) {
      say(e.message, false);
    }
  });
  $("add-heading").addEventListener("click", () => $("outline").append(headingRow("새 항목")));
  $("draft-outline").addEventListener("click", () => draftOutline().catch((e) => say(e.message, false)));
  $("generate").addEventListener("click", () => generate().catch((e) => say(e.message, false)));
  await listReports();
  document.body.dataset.ready = "true";
}

start().catch((e) => say(e.message, false));
