// The side panel's tabs: skills (skills.js), documents, memory and tuning.
import { $, el, button } from "./state.js";
import { api, headers, korean } from "./api.js";
import { DEFAULT_COLLECTION, ensureCollection, koreanReason } from "./composer.js";
import { report } from "./chat.js";
import { showIndexing } from "./indexing.js";

function hint(list, text) {
  list.append(el("li", "hint", text)); // a greyed line: empty, or why it cannot be shown
}

// ---- documents ---------------------------------------------------------------------------------------

export async function loadCollections(select) {
  const { data } = await api("/v1/collections");
  const chooser = $("collection");
  const keep = select || chooser.value;
  chooser.replaceChildren();
  for (const c of data) chooser.append(new Option(`${c.name} (${c.documents ?? 0})`, c.name));
  if (keep && data.some((c) => c.name === keep)) chooser.value = keep;
  await loadDocuments();
}

async function loadDocuments() {
  const name = $("collection").value;
  const list = $("documents");
  list.replaceChildren();
  if (!name) return hint(list, "아직 올린 문서가 없습니다. 메시지 창의 클립 버튼으로 올릴 수 있습니다");
  const { data } = await api(`/v1/collections/${encodeURIComponent(name)}/documents`);
  for (const d of data) list.append(el("li", "", d.name));
  showIndexing().catch(() => {});
}

function uploadStatus(text, isError = false) {
  const status = $("upload-status");
  status.textContent = text;
  status.classList.toggle("error-text", isError);
}

/** Collection names are letters, digits, `_`, `-`, `.`: «회사 규정» becomes «회사-규정». */
export function collectionName(text) {
  return text.trim().replace(/\s+/g, "-").replace(/[^\w.\-가-힣]/g, "");
}

async function createCollection() {
  const typed = $("new-collection").value;
  const name = collectionName(typed);
  if (!name) return uploadStatus("컬렉션 이름을 적어 주세요", true);
  try {
    await api("/v1/collections", { method: "POST", body: { name } });
    $("new-collection").value = "";
    uploadStatus(name === typed.trim() ? `«${name}» 컬렉션을 만들었습니다` : `«${name}» 이름으로 만들었습니다 (띄어쓰기는 -로 바뀝니다)`);
    await loadCollections(name);
  } catch (error) {
    uploadStatus(error.status === 409 ? `«${name}» 컬렉션이 이미 있습니다` : `만들지 못했습니다: ${korean(error)}`, true);
  }
}

/** The chosen collection, «내문서» made first where none is chosen. */
async function chosenCollection() {
  if ($("collection").value) return $("collection").value;
  await ensureCollection(DEFAULT_COLLECTION);
  return DEFAULT_COLLECTION;
}

/** Failed files in one line: the first three by name, the rest counted. */
function failedText(failed) {
  if (!failed.length) return "";
  const shown = failed.slice(0, 3).map((r) => ` · ${r.name}: ${koreanReason(r.reason)}`).join("");
  return ` · 실패 ${failed.length}개${shown}${failed.length > 3 ? ` 외 ${failed.length - 3}개` : ""}`;
}

const FOLDER_BATCH = 50; // files a request: a shared drive's folder may hold thousands
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// hidden and system files, as `haneul docs add` leaves them out (knowledge/archive.left_out):
// Office's «~$보고서.docx» lock files, Thumbs.db, desktop.ini, macOS's records
const SYSTEM_FILES = new Set(["thumbs.db", "desktop.ini", "__macosx", ".ds_store"]);
const leftOut = (part) => part.startsWith(".") || part.startsWith("~$") || SYSTEM_FILES.has(part.toLowerCase());

/** A folder with its subfolders: each file named by its path («규정/인사/휴가.hwp»), sent
 * in batches, each searchable by its words once written; the e5 vectors fill in behind
 * (the indexing line below). Hidden and system files are left out, as `haneul docs add` does. */
async function uploadFolder() {
  const picker = $("upload-folder");
  const path = (f) => f.webkitRelativePath || f.name;
  const files = [...picker.files].filter((f) => !path(f).split("/").some(leftOut));
  picker.value = "";
  if (!files.length) return;
  const counts = { added: 0, updated: 0, unchanged: 0 };
  const failed = [];
  let done = 0;
  try {
    const name = await chosenCollection();
    const at = `/v1/collections/${encodeURIComponent(name)}`;
    for (let start = 0; start < files.length; start += FOLDER_BATCH) {
      const batch = files.slice(start, start + FOLDER_BATCH);
      const form = new FormData();
      for (const file of batch) form.append("files", file, path(file));
      let job = await api(`${at}/documents?wait=false`, { method: "POST", form });
      while (job.status === "indexing") {
        // a zip's documents count in the job, not here: files sent are what is counted
        uploadStatus(`폴더 색인 중: ${done + Math.min(job.done, batch.length)}/${files.length}개 파일`);
        await sleep(400);
        job = await api(`${at}/jobs/${job.id}`);
      }
      done += batch.length;
      for (const key of Object.keys(counts)) counts[key] += job[key] || 0;
      failed.push(...(job.results || []).filter((r) => r.status === "failed"));
      uploadStatus(`폴더 색인 중: ${done}/${files.length}개 파일`);
      await loadCollections(name);
    }
    uploadStatus(
      `폴더 색인 완료: ${counts.added + counts.updated}개 추가, ${counts.unchanged}개 그대로${failedText(failed)}`,
      failed.length > 0,
    );
    await offerToRemoveGone(name, files.map(path));
  } catch (error) {
    uploadStatus(`폴더를 다 올리지 못했습니다 (${done}/${files.length}개 색인됨): ${korean(error)}`, true);
  }
}

/** The documents added from this folder before whose files it no longer holds (deleted or
 * renamed on the drive), with a button that removes them: `haneul docs add --sync`'s
 * question, asked here. A zip's documents («폴더/자료.zip/…») go with their zip. */
async function offerToRemoveGone(collection, paths) {
  const present = new Set(paths.map((p) => p.normalize("NFC")));
  const top = [...present][0]?.split("/")[0];
  if (!top) return;
  const zips = [...present].filter((p) => p.toLowerCase().endsWith(".zip")).map((p) => `${p}/`);
  const at = `/v1/collections/${encodeURIComponent(collection)}`;
  const { data } = await api(`${at}/documents`);
  const gone = data.filter(
    (d) => d.name.startsWith(`${top}/`) && !present.has(d.name) && !zips.some((z) => d.name.startsWith(z)),
  );
  if (!gone.length) return;
  const names = gone.slice(0, 3).map((d) => d.name).join(", ") + (gone.length > 3 ? ` 외 ${gone.length - 3}개` : "");
  const status = $("upload-status");
  status.append(el("br"), `이 폴더에 없는 문서 ${gone.length}개가 컬렉션에 남아 있습니다: ${names} `);
  const remove = button(`${gone.length}개 지우기`, "", `폴더에 없는 문서 ${gone.length}개 지우기`);
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    try {
      for (const d of gone) await api(`${at}/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
      uploadStatus(`폴더에 없는 문서 ${gone.length}개를 지웠습니다`);
    } catch (error) {
      uploadStatus(`지우지 못했습니다: ${korean(error)}`, true);
    }
    await loadCollections(collection);
  });
  status.append(remove);
}

async function upload() {
  const picker = $("upload");
  const files = [...picker.files];
  picker.value = ""; // the same file can be picked again
  if (!files.length) return;
  let name;
  try {
    name = await chosenCollection();
    const form = new FormData();
    for (const file of files) form.append("files", file);
    uploadStatus(`${files.length}개 파일 색인 중…`);
    const result = await api(`/v1/collections/${encodeURIComponent(name)}/documents`, { method: "POST", form });
    const failed = (result.results || []).filter((r) => r.status === "failed");
    uploadStatus(
      `색인 완료: ${result.added + result.updated}개 추가, ${result.unchanged}개 그대로${failedText(failed)}`,
      failed.length > 0,
    );
    await loadCollections(name);
  } catch (error) {
    uploadStatus(`올리지 못했습니다: ${korean(error)}`, true);
  }
}

// ---- memory -------------------------------------------------------------------------------------------

export async function loadMemories() {
  const list = $("memories");
  list.replaceChildren();
  let data;
  try {
    ({ data } = await api("/v1/memories"));
  } catch (error) {
    hint(list, error.status === 404 ? "이 서버에서는 기억 기능을 쓸 수 없습니다" : korean(error));
    return;
  }
  if (!data.length) hint(list, "아직 기억한 것이 없습니다");
  for (const memory of data) {
    const li = el("li");
    const field = document.createElement("input");
    field.value = memory.content;
    field.setAttribute("aria-label", "기억 내용");
    const save = button("저장");
    save.addEventListener("click", () =>
      api(`/v1/memories/${memory.id}`, { method: "PATCH", body: { content: field.value } }).then(loadMemories, report),
    );
    const remove = button("삭제");
    remove.addEventListener("click", () =>
      api(`/v1/memories/${memory.id}`, { method: "DELETE" }).then(loadMemories, report),
    );
    li.append(field, save, remove);
    list.append(li);
  }
}

// ---- tuning -------------------------------------------------------------------------------------------

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

export async function loadTuning() {
  const list = $("tuning-tasks");
  list.replaceChildren();
  let tasks;
  try {
    ({ result: { tasks } } = await api("/tuning/v2/tasks"));
  } catch (error) {
    hint(list, error.status === 404 ? "이 서버에서는 튜닝을 쓸 수 없습니다" : korean(error));
    return;
  }
  if (!tasks.length) hint(list, "튜닝 작업이 없습니다");
  for (const task of tasks) {
    const li = el("li");
    li.dataset.task = task.id;
    const info = task.statusInfo || {};
    const parts = [TUNING_STATUS[task.taskStatus] || task.taskStatus];
    if (info.totalTrainSteps) parts.push(`${info.currStep}/${info.totalTrainSteps} 스텝`);
    if (info.trainLoss != null) parts.push(`손실 ${Number(info.trainLoss).toFixed(3)}`);
    if (info.failureReason) parts.push(info.failureReason);
    li.append(el("strong", "", task.name), el("span", "", ` ${parts.join(" · ")}`));
    const img = await lossCurve(task);
    if (img) li.append(img);
    list.append(li);
  }
}

// ---- tabs -----------------------------------------------------------------------------------------------

export function wirePanels() {
  const tabs = [...document.querySelectorAll("#panel [role=tab]")];
  const loaders = { "tab-docs": () => loadCollections(), "tab-memory": loadMemories, "tab-tuning": loadTuning };
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const other of tabs) {
        other.setAttribute("aria-selected", String(other === tab));
        $(other.getAttribute("aria-controls")).hidden = other !== tab;
      }
      loaders[tab.id]?.().catch(report);
    });
  }
  $("create-collection").addEventListener("click", createCollection);
  $("collection").addEventListener("change", () => loadDocuments().catch(report));
  $("upload").addEventListener("change", upload);
  $("upload-folder").addEventListener("change", uploadFolder);
  $("reload-tuning").addEventListener("click", () => loadTuning().catch(report));
  window.addEventListener("haneul:memory", () => loadMemories().catch(() => {}));
  window.addEventListener("haneul:documents", () => {
    if (!$("docs-panel").hidden) loadCollections().catch(() => {});
  });
}
