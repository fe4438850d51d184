// The Skill Trainer page: make a skillset from API specs (shipped manifest names or a manifest
// with its OpenAPI document), write or import example utterances (which operation, which
// arguments), train a version, publish it, and try it: the plan, then the final answer (a call
// with side effects waits for 실행). DOM nodes only: text is never parsed as HTML.
import { $, el, report, requests, say } from "./page.js";

const { call } = requests("/skill-trainer");
let current = null; // the selected skillset, as GET /v1/skillsets/{id} gives it
let pending = null; // { version, id } of a call waiting for 실행

async function loadSets(select) {
  const { data } = await call("/v1/skillsets");
  $("skillset").replaceChildren(...data.map((s) => el("option", { value: s.id, textContent: s.name })));
  if (select) $("skillset").value = select;
  if (data.length) await show($("skillset").value);
}

async function show(id) {
  current = await call(`/v1/skillsets/${id}`);
  $("detail").hidden = false;
  $("operations").replaceChildren(
    ...current.operations.map((op) =>
      el("li", {}, el("code", {}, op.operationId), ` ${op.description.split(". ")[0]}${op.sideEffects ? " (실행 전 확인)" : ""}`),
    ),
  );
  const ops = [...current.operations.map((op) => op.operationId), "none"];
  $("example-op").replaceChildren(...ops.map((op) => el("option", { value: op, textContent: op })));
  const { data } = await call(`/v1/skillsets/${id}/examples`);
  $("example-count").textContent = `${data.length}개`;
  $("examples").replaceChildren(
    ...data.map((e) => el("tr", {}, el("td", {}, e.text), el("td", {}, e.operationId), el("td", {}, JSON.stringify(e.arguments)))),
  );
  $("versions").replaceChildren(...current.versions.map(versionItem));
  $("version").replaceChildren(
    el("option", { value: "latest", textContent: "게시된 최신 버전" }),
    ...current.versions.map((v) => el("option", { value: String(v.version), textContent: `버전 ${v.version}` })),
  );
  if (current.versions.length) $("version").value = String(current.versions.at(-1).version);
}

function versionItem(version) {
  const r = version.report;
  const text = `버전 ${version.version}: 예시 ${r.examples}개, 학습 ${r.trainSeconds}초${version.published ? " · 게시됨" : ""}`;
  const item = el("li", {}, text);
  if (!version.published) {
    const publish = el("button", { type: "button", textContent: "게시" });
    publish.addEventListener("click", () =>
      call(`/v1/skillsets/${current.id}/versions/${version.version}/publish`, { method: "POST" })
        .then(() => show(current.id))
        .then(() => say(`버전 ${version.version}을 게시했습니다.`))
        .catch(report),
    );
    item.append(" ", publish);
  }
  return item;
}

async function addExamples(examples) {
  const done = await call(`/v1/skillsets/${current.id}/examples`, { method: "POST", body: { examples } });
  await show(current.id);
  say(`예시 ${done.added}개를 추가했습니다 (모두 ${done.total}개).`);
}

function showAnswer(result) {
  const calls = result.apiResult.map((c) => `\n\n[${c.nameForHuman} · ${c.operationId}] ${c.url}`).join("");
  $("answer").textContent = result.finalAnswer + calls;
  pending = result.confirmation ? { version: $("version").value, id: result.confirmation.id } : null;
  $("confirm").hidden = !pending;
}

function wire() {
  $("create").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const manifests = String(form.get("manifests")).split(",").map((m) => m.trim()).filter(Boolean);
    const written = $("manifest-json").value.trim();
    try {
      if (written) manifests.push(JSON.parse(written));
    } catch {
      say("매니페스트 JSON을 읽을 수 없습니다.", false);
      return;
    }
    call("/v1/skillsets", { method: "POST", body: { name: form.get("name"), manifests } })
      .then((made) => loadSets(made.id))
      .then(() => say("스킬셋을 만들었습니다."))
      .catch(report);
  });
  $("skillset").addEventListener("change", () => show($("skillset").value).catch(report));
  $("add-example").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    let args = {};
    try {
      args = form.get("arguments") ? JSON.parse(String(form.get("arguments"))) : {};
    } catch {
      say("인자는 JSON 객체로 적어 주세요.", false);
      return;
    }
    addExamples([{ text: form.get("text"), operationId: form.get("operationId"), arguments: args }])
      .then(() => event.target.reset())
      .catch(report);
  });
  $("import").addEventListener("click", () => {
    try {
      const rows = $("import-text").value.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      const examples = rows.map((r) => ({ text: r.text, operationId: r.operationId ?? r.operation, arguments: r.arguments ?? {} }));
      addExamples(examples).then(() => ($("import-text").value = "")).catch(report);
    } catch {
      say("한 줄에 JSON 하나씩 적어 주세요.", false);
    }
  });
  $("train").addEventListener("click", () => {
    say("학습 중입니다…");
    call(`/v1/skillsets/${current.id}/train`, { method: "POST", body: {} })
      .then((v) => show(current.id).then(() => say(`버전 ${v.version}을 학습했습니다 (${v.report.trainSeconds}초).`)))
      .catch(report);
  });
  const path = (what) => `/v1/skillsets/${current.id}/versions/${$("version").value}/${what}`;
  $("plan").addEventListener("click", () => {
    call(path("plan"), { method: "POST", body: { query: $("query").value } })
      .then((p) => ($("answer").textContent = `${p.operationId ?? "none"} ${JSON.stringify(p.arguments)}${p.missing.length ? ` · 빠진 인자: ${p.missing.join(", ")}` : ""}`))
      .catch(report);
  });
  $("try").addEventListener("submit", (event) => {
    event.preventDefault();
    call(path("final-answer"), { method: "POST", body: { query: $("query").value } })
      .then((r) => showAnswer(r.result))
      .catch(report);
  });
  for (const [button, approve] of [["approve", true], ["decline", false]]) {
    $(button).addEventListener("click", () => {
      const where = `/v1/skillsets/${current.id}/versions/${pending.version}/confirmations/${pending.id}`;
      call(where, { method: "POST", body: { approve } }).then((r) => showAnswer(r.result)).catch(report);
    });
  }
}

wire();
loadSets()
  .catch(report)
  .finally(() => (document.body.dataset.ready = "true"));
