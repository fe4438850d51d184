// The message box: Korean IME handling, and documents attached from it (📎, drag-and-drop,
// paste) into a default collection created on demand, each shown as a chip with progress.
import { $, el, button, state } from "./state.js";
import { api, headers, ApiError, korean } from "./api.js";
import { report, send, stop } from "./chat.js";
import { rememberForCode } from "./code.js";

// While a syllable is being composed (compositionstart .. compositionend) Enter belongs to the
// IME: it commits the syllable and must not send. Chromium also reports such keys as
// isComposing or keyCode 229. The value is read only when we send, after the IME has
// committed, so the last syllable is neither lost nor sent twice.
export function wireInput() {
  const input = $("input");
  if (window.matchMedia("(max-width: 60rem)").matches) input.placeholder = "하늘에게 물어보세요";
  input.addEventListener("compositionstart", () => (state.composing = true));
  input.addEventListener("compositionend", () => (state.composing = false));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") return stop();
    if (event.key !== "Enter" || event.shiftKey) return;
    if (state.composing || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send().catch(report);
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send().catch(report);
  });
  $("stop").addEventListener("click", stop);
  wireAttachments();
}

// ---- attachments -------------------------------------------------------------------------------------

export const DEFAULT_COLLECTION = "내문서"; // created on the first upload

export async function ensureCollection(name) {
  const { data } = await api("/v1/collections"); // a list, not a 404 in the console
  if (data.some((c) => c.name === name)) return;
  await api("/v1/collections", {
    method: "POST",
    body: { name, description: "대화창에서 올린 문서" },
  }).catch((e) => {
    if (e.status !== 409) throw e; // made meanwhile by another tab
  });
}

const REASONS = [
  [/install tesseract/i, "그림 속 글자를 읽으려면 서버에 tesseract-ocr와 tesseract-ocr-kor를 설치해야 합니다"],
  [/not a readable image/i, "그림 파일을 읽지 못했습니다 (PNG, JPEG만 됩니다)"],
  [/unsupported|not supported|file type|extension/i, "지원하지 않는 파일 형식입니다"],
  [/too large|too big|larger than|exceeds|bytes/i, "파일이 너무 큽니다"],
  [/empty|no text/i, "글자를 찾지 못했습니다 (빈 파일이거나 스캔 이미지)"],
  [/encrypt|password/i, "암호가 걸린 파일은 읽을 수 없습니다"],
  [/archive holds no documents/i, "압축 파일 안에 읽을 수 있는 문서가 없습니다"],
  [/DRM/, "손상되었거나 사내 보안 프로그램(DRM)으로 잠긴 파일입니다"],
  [/Office 97-2003/, "예전 형식(97-2003)의 오피스 파일입니다. 새 형식으로 저장해 다시 올려 주세요"],
  [/not a valid|nests too deep|expands|no OLE container|HWP 3\.x|damaged|packed in a way/i, "손상되었거나 형식이 맞지 않는 파일입니다"],
];

export function koreanReason(reason) {
  const found = REASONS.find(([pattern]) => pattern.test(reason || ""));
  return found ? `${found[1]} (${reason})` : reason || "알 수 없는 오류";
}

/** POST files with upload progress (fetch cannot report it), answered when indexed. */
function post(url, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener("load", () => {
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data?.error?.message || `HTTP ${xhr.status}`));
    });
    xhr.addEventListener("error", () => reject(new TypeError("network")));
    xhr.send(form);
  });
}

function chip(file) {
  const item = el("li", "file-chip uploading");
  item.dataset.name = file.name;
  const name = el("span", "file-name", file.name);
  const progress = document.createElement("progress");
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute("aria-label", `${file.name} 올리는 중`);
  const status = el("span", "file-status", "올리는 중…");
  status.setAttribute("role", "status");
  const close = button("×", "file-close", `${file.name} 닫기`);
  close.addEventListener("click", () => item.remove());
  item.append(name, progress, status, close);
  $("attachments").append(item);
  return { item, progress, status };
}

// The models here read text only: an image's text is read with OCR and indexed like a
// document (the picture itself is not shown to the model), and the chip says so.
function doneText(file) {
  if (file.type.startsWith("image/")) return "그림 속 글자를 읽어 색인했습니다 · 질문할 수 있습니다 (모델은 그림 자체는 보지 못합니다)";
  return "색인 완료 · 질문할 수 있습니다";
}

export async function attach(files) {
  files = [...files];
  if (!files.length) return;
  rememberForCode(files);
  const chips = files.map(chip);
  const settle = (cls, text) => {
    for (const c of chips) {
      c.item.classList.remove("uploading", "done", "failed");
      c.item.classList.add(cls);
      c.status.textContent = text;
    }
  };
  try {
    await ensureCollection(DEFAULT_COLLECTION);
    const form = new FormData();
    for (const file of files) form.append("files", file);
    const url = `/v1/collections/${encodeURIComponent(DEFAULT_COLLECTION)}/documents`;
    const result = await post(url, form, (share) => {
      for (const c of chips) c.progress.value = share;
      if (share >= 1) settle("uploading", "색인 중…");
    });
    for (const [i, c] of chips.entries()) {
      // a zip's documents come back as «자료.zip/…», one result each
      const name = files[i].name;
      const mine = (result.results || []).filter((x) => x.name === name || x.name.startsWith(`${name}/`));
      const read = mine.filter((x) => x.status !== "failed");
      const failed = mine.length > 0 && !read.length;
      c.progress.value = 1;
      c.item.classList.remove("uploading");
      c.item.classList.add(failed ? "failed" : "done");
      const inside = mine.length > 1 || (mine[0]?.name ?? name) !== name ? ` (문서 ${read.length}개)` : "";
      c.status.textContent = failed ? `실패: ${koreanReason(mine[0].reason)}` : doneText(files[i]) + inside;
    }
  } catch (error) {
    settle("failed", `올리지 못했습니다: ${korean(error)}`);
  }
  window.dispatchEvent(new Event("haneul:documents"));
}

function wireAttachments() {
  const picker = $("attach");
  picker.addEventListener("change", async () => {
    const files = [...picker.files];
    picker.value = ""; // the same file can be picked again
    await attach(files);
  });
  const composer = $("composer");
  composer.addEventListener("dragover", (event) => {
    if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
    event.preventDefault();
    composer.classList.add("dropping");
  });
  composer.addEventListener("dragleave", () => composer.classList.remove("dropping"));
  composer.addEventListener("drop", (event) => {
    composer.classList.remove("dropping");
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    attach(event.dataTransfer.files);
  });
  $("input").addEventListener("paste", (event) => {
    const files = event.clipboardData?.files;
    if (files?.length) {
      event.preventDefault();
      attach(files);
    }
  });
}
