// 코드 작성: spreadsheets attached for code (CSV/XLSX go to /v1/code as well as to the
// documents), the `python` skill's result (charts as images with a download link, the code
// behind a toggle, the output), and a "실행" button on every Python code block of an answer.
import { el, button, state } from "./state.js";
import { api } from "./api.js";

const DATA_FILE = /\.(csv|tsv|xlsx|xls|json)$/i;
let pending = []; // data files attached before the conversation existed
// which code drew a chart the assistant was asked for (skills/code/author.py)
const SOURCES = { model: "모델이 쓴 코드", model_fixed: "모델이 고친 코드", template: "기본 차트 코드" };

/** Remember attached data files; they are sent to the conversation before the next turn. */
export function rememberForCode(files) {
  pending.push(...[...files].filter((f) => DATA_FILE.test(f.name)));
}

/** Upload the remembered data files to the conversation `cid` (before a message is sent). */
export async function uploadForCode(cid) {
  const files = pending;
  pending = [];
  for (const file of files) {
    const form = new FormData();
    form.append("file", file);
    await api(`/v1/code/conversations/${encodeURIComponent(cid)}/files`, { method: "POST", form });
  }
}

function chartImage(png, n) {
  const figure = el("figure", "code-chart");
  const img = document.createElement("img");
  img.src = `data:image/png;base64,${png}`;
  img.alt = `코드 실행으로 그린 차트 ${n}`;
  const link = document.createElement("a");
  link.href = img.src;
  link.download = `chart-${n}.png`;
  link.textContent = "PNG 내려받기";
  link.className = "code-download";
  figure.append(img, link);
  return figure;
}

/** A code run's result: charts, then the output, then the code behind a toggle. */
export function renderRun(box, data) {
  const wrap = el("div", "code-run");
  data.charts.forEach((png, i) => wrap.append(chartImage(png, i + 1)));
  if (data.stdout?.trim()) wrap.append(el("pre", "code-stdout", data.stdout));
  if (!data.ok) wrap.append(el("pre", "code-error", `${data.reason || "오류"}\n${data.stderr || ""}`));
  const code = el("details", "code-source");
  const from = SOURCES[data.source];
  code.append(el("summary", "", from ? `코드 보기 (${from})` : "코드 보기"), el("pre", "", data.code));
  wrap.append(code);
  box.append(wrap);
  return wrap;
}

/** A "실행" button under each Python block of an answer: runs it in the sandbox. */
export function addRunButtons(element) {
  for (const block of element.querySelectorAll("pre > code.language-python, pre > code.language-py")) {
    const pre = block.parentElement;
    if (pre.nextElementSibling?.classList.contains("code-run-button")) continue;
    const run = button("▶ 실행", "code-run-button");
    run.addEventListener("click", async () => {
      if (!state.conversation) return;
      run.disabled = true;
      run.textContent = "실행 중…";
      const old = run.nextElementSibling?.classList.contains("code-run") ? run.nextElementSibling : null;
      try {
        const data = await api(`/v1/code/conversations/${encodeURIComponent(state.conversation.id)}/run`, {
          method: "POST",
          body: { code: block.textContent },
        });
        const holder = el("div");
        renderRun(holder, data);
        old?.remove();
        run.after(holder.firstChild);
      } catch (error) {
        run.after(el("pre", "code-error code-run", String(error.message || error)));
      } finally {
        run.disabled = false;
        run.textContent = "▶ 실행";
      }
    });
    pre.after(run);
  }
}
