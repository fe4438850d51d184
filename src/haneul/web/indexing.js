// The documents panel's indexing line for the chosen collection: chunks searchable by
// morphemes (lexical), those with their e5 vectors (embedded), and what still waits in the
// embedding queue. While chunks wait, the line asks again every few seconds.
import { $ } from "./state.js";
import { api } from "./api.js";

const POLL_MS = 3000;
let timer = null;

/** «검색 준비: 조각 12개 · 벡터 5/12 · 대기 7» (or «… · 벡터 완료») from `indexing`. */
export function indexingText(indexing) {
  const { lexical = 0, embedded = 0, pending = 0 } = indexing || {};
  const vectors = pending ? `벡터 ${embedded}/${lexical} · 대기 ${pending}` : "벡터 완료";
  return `검색 준비: 조각 ${lexical}개 · ${vectors}`;
}

export async function showIndexing() {
  clearTimeout(timer);
  const line = $("indexing");
  const name = $("collection").value;
  if (!line) return;
  if (!name || $("docs-panel").hidden) {
    line.textContent = "";
    return;
  }
  const collection = await api(`/v1/collections/${encodeURIComponent(name)}`);
  if ($("collection").value !== name) return; // another collection was chosen meanwhile
  line.textContent = collection.indexing ? indexingText(collection.indexing) : "";
  if (collection.indexing?.pending) timer = setTimeout(() => showIndexing().catch(() => {}), POLL_MS);
}
