// Thumbs up/down on an answer, stored on the server with an optional comment
// (PUT /v1/conversations/{id}/messages/{mid}/feedback), and the liked answers downloaded as a
// Studio tuning dataset from the tuning tab (GET /v1/feedback/export?format=jsonl|csv).
import { $, el, button, state, setStatus } from "./state.js";
import { api, headers, failure, korean } from "./api.js";

function url(answer) {
  const id = answer.dataset.messageId;
  return id && state.conversation ? `/v1/conversations/${state.conversation.id}/messages/${id}/feedback` : null;
}

/** Store a rating (null takes it back); then offer a comment box for it. */
export async function sendRating(answer, rating) {
  answer.querySelector(".feedback-form")?.remove();
  const target = url(answer);
  if (!target) return; // an answer cut off by Stop was never stored
  try {
    await api(target, { method: "PUT", body: { rating } });
  } catch (error) {
    setStatus(`평가를 저장하지 못했습니다: ${korean(error)}`, true);
    return;
  }
  if (rating) answer.append(commentForm(answer, rating, target));
}

function commentForm(answer, rating, target) {
  const form = el("form", "feedback-form");
  form.setAttribute("aria-label", "답에 대한 의견");
  const field = document.createElement("input");
  field.className = "feedback-comment";
  field.placeholder = rating === "up" ? "좋았던 점 (선택)" : "아쉬운 점 (선택)";
  field.setAttribute("aria-label", "의견 (선택)");
  field.maxLength = 2000;
  const save = button("의견 보내기", "feedback-save");
  save.type = "submit";
  form.append(field, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(target, { method: "PUT", body: { rating, comment: field.value.trim() } });
      form.replaceWith(el("p", "feedback-done", "의견을 보냈습니다. 고맙습니다."));
    } catch (error) {
      setStatus(`의견을 보내지 못했습니다: ${korean(error)}`, true);
    }
  });
  field.addEventListener("keydown", (event) => {
    if (event.isComposing || event.keyCode === 229) return; // Enter commits a Hangul syllable
    if (event.key === "Escape") form.remove();
  });
  return form;
}

async function download(format) {
  const response = await fetch(`/v1/feedback/export?format=${format}`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  const blob = await response.blob();
  if (!blob.size || blob.size <= 3) {
    $("feedback-export-status").textContent = "아직 «좋아요»를 누른 답이 없습니다";
    return;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `haneul-feedback.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  $("feedback-export-status").textContent = "내려받았습니다. 튜닝 작업의 데이터로 쓸 수 있습니다";
}

/** The export buttons at the top of the tuning tab. */
export function wireFeedbackExport() {
  const box = el("div", "feedback-export");
  box.append(el("p", "hint", "«좋아요»를 누른 답을 튜닝 데이터로 내려받기:"));
  for (const [format, label] of [["jsonl", "OpenAI JSONL"], ["csv", "CLOVA CSV"]]) {
    const get = button(label, `export-${format}`, `${label} 내려받기`);
    get.addEventListener("click", () => download(format).catch((e) => ($("feedback-export-status").textContent = korean(e))));
    box.append(get);
  }
  const status = el("p", "hint");
  status.id = "feedback-export-status";
  status.setAttribute("role", "status");
  box.append(status);
  $("tuning-panel").prepend(box);
}
