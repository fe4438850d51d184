// Haneul web UI: plain ES modules, no build step, no CDN. Markdown (marked), sanitising
// (DOMPurify) and code highlighting (highlight.js) come from /static/vendor when `make setup`
// put them there; without them answers are shown as plain text. Works under a strict CSP
// (script-src 'self', style-src 'self'): no inline scripts, handlers or style attributes.
import { $, state } from "./state.js";
import { api, revealKey } from "./api.js";
import { closeConversation, conversationInLocation, drawConversations, finish, loadConversations,
  newConversation,
  openConversation, report, send } from "./chat.js"; // prettier-ignore
import { wireInput } from "./composer.js";
import { drawExamples, loadPresets, markPresets } from "./home.js";
import { wirePanels } from "./panels.js";
import { bubble, localSource, openPassage, renderMarkdown, showExtras, showMessage } from "./render.js";
import { loadSkills } from "./skills.js";
import { wireFeedbackExport } from "./feedback.js";
import { wireConversationTools } from "./convtools.js";
import { applySaved, closeSettings, openSettings, settingsInLocation, wireSettings } from "./settings.js";

// ---- models: chat models only ---------------------------------------------------------------------

async function loadModels() {
  const chooser = $("model");
  const fallback = document.body.dataset.defaultModel;
  const { data } = await api("/v1/models").catch(() => ({ data: [{ id: fallback, task: "chat" }] }));
  chooser.replaceChildren();
  for (const m of data) {
    if (m.task && m.task !== "chat") continue; // embedding and base completion models cannot chat
    if (m.alias_of) continue; // CLOVA names (HCX-005...) are aliases of a listed model
    const option = new Option(m.id, m.id);
    if (m.description) option.title = m.description;
    if (m.open_chat === false) option.dataset.small = "true"; // answers skills, not open questions
    chooser.append(option);
  }
  if ([...chooser.options].some((o) => o.value === fallback)) chooser.value = fallback;
}

// ---- the key: shown when the server is not local or asked for one ------------------------------------

const LOCAL = ["localhost", "127.0.0.1", "[::1]", "::1"];

function wireKey() {
  const key = $("key");
  key.value = localStorage.getItem("haneul.key") || "";
  if (key.value || !LOCAL.includes(window.location.hostname)) revealKey();
  key.addEventListener("change", () => {
    localStorage.setItem("haneul.key", key.value.trim());
    refresh();
  });
}

// ---- theme and layout -----------------------------------------------------------------------------------

function wireTheme() {
  const saved = localStorage.getItem("haneul.theme");
  if (saved) document.documentElement.dataset.theme = saved;
  $("theme").addEventListener("click", () => {
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    const now = document.documentElement.dataset.theme || (dark ? "dark" : "light");
    const next = now === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("haneul.theme", next);
  });
}

function wireLayout() {
  const log = $("log");
  // Only the reader lets go of the bottom (wheel or finger upwards, paging keys): a scroll
  // the page makes itself (a card opening, an element scrolled into view) must not stop the
  // log following the answer. Back at the bottom, it follows again.
  const atBottom = () => log.scrollTop + log.clientHeight >= log.scrollHeight - 48;
  log.addEventListener("scroll", () => {
    if (atBottom()) state.stick = true;
  });
  log.addEventListener("wheel", (e) => {
    if (e.deltaY < 0) state.stick = false;
  }, { passive: true });
  log.addEventListener("touchmove", () => (state.stick = false), { passive: true });
  log.addEventListener("keydown", (e) => {
    if (["PageUp", "ArrowUp", "Home"].includes(e.key)) state.stick = false;
  });
  const toggle = (name) => document.body.classList.toggle(name);
  $("open-sidebar").addEventListener("click", () => toggle("drawer-open"));
  $("open-panel").addEventListener("click", () => toggle("panel-open"));
  $("scrim").addEventListener("click", () => document.body.classList.remove("drawer-open", "panel-open"));
  $("passage-close").addEventListener("click", () => ($("passage").hidden = true));
  document.addEventListener("keydown", (e) => e.key === "Escape" && ($("passage").hidden = true));
}

// ---- start ----------------------------------------------------------------------------------------------

async function route() {
  if (settingsInLocation()) return openSettings();
  closeSettings();
  const id = conversationInLocation();
  if (id && id !== state.conversation?.id) await openConversation(id).catch((e) => {
    report(e);
    closeConversation();
  });
  else if (!id && state.conversation) closeConversation();
}

async function refresh() {
  await Promise.all([loadModels(), loadSkills(), loadPresets(), loadConversations()]).catch(report);
  applySaved();
  markPresets();
}

async function start() {
  wireKey();
  wireTheme();
  wireLayout();
  wireInput();
  wirePanels();
  wireSettings();
  wireFeedbackExport();
  wireConversationTools();
  drawExamples((text) => send(text).catch(report));
  $("presets").addEventListener("click", (event) => {
    const card = event.target.closest(".preset-card");
    if (card) newConversation(card.dataset.preset).catch(report);
  });
  $("preset").addEventListener("change", () => (state.preset = $("preset").value));
  $("model").addEventListener("change", markPresets);
  $("new-conversation").addEventListener("click", () => newConversation($("preset").value).catch(report));
  $("search").addEventListener("input", drawConversations);
  window.addEventListener("popstate", () => route());
  await refresh();
  await route();
  const ask = new URLSearchParams(location.search).get("ask"); // the workspace's 무엇이든 물어보세요
  if (ask) Object.assign($("input"), { value: ask }).focus();
  document.body.dataset.ready = "true";
}

// For tests and curious readers: the renderers, callable with a fixed event.
window.haneulUI = { bubble, finish, localSource, openPassage, renderMarkdown, showExtras, showMessage };

start();
