// The settings page (#/settings): default model and preset, theme, memory on/off, the API key
// this browser sends and how to call the API, and the skills with their state. Everything is
// kept in this browser's localStorage; the server's own settings are in docs/configuration.md.
import { $, el, button, state } from "./state.js";
import { revealKey } from "./api.js";
import { presetInfo } from "./home.js";
import { skillInfo } from "./skills.js";

const KEYS = { model: "haneul.model", preset: "haneul.preset", theme: "haneul.theme", memory: "haneul.memory" };
const THEMES = [["system", "시스템 설정 따르기"], ["light", "밝게"], ["dark", "어둡게"]]; // prettier-ignore

/** false when this browser turned memory off (each message then says `memory: false`). */
export function memoryOn() {
  return localStorage.getItem(KEYS.memory) !== "off";
}

/** The saved model and preset, once the pickers are filled. */
export function applySaved() {
  const model = localStorage.getItem(KEYS.model);
  if (model && [...$("model").options].some((o) => o.value === model)) $("model").value = model;
  const preset = localStorage.getItem(KEYS.preset);
  if (preset && state.presets.some((p) => p.name === preset) && !state.conversation) {
    state.preset = preset;
    $("preset").value = preset;
  }
}

function setTheme(value) {
  if (value === "system") {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem(KEYS.theme);
  } else {
    document.documentElement.dataset.theme = value;
    localStorage.setItem(KEYS.theme, value);
  }
}

function field(labelText, control, help = "") {
  const id = control.id;
  const row = el("div", "setting");
  const label = el("label", "", labelText);
  label.htmlFor = id;
  row.append(label, control);
  if (help) {
    const note = el("p", "hint", help);
    note.id = `${id}-help`;
    control.setAttribute("aria-describedby", note.id);
    row.append(note);
  }
  return row;
}

function select(id, options, value) {
  const node = document.createElement("select");
  node.id = id;
  for (const [v, text] of options) node.append(new Option(text, v));
  node.value = value;
  return node;
}

function group(title, ...children) {
  const box = el("section", "settings-group");
  const heading = el("h3", "", title);
  box.append(heading, ...children);
  return box;
}

function modelAndPreset() {
  const models = [...$("model").options].map((o) => [o.value, o.value]);
  const model = select("settings-model", models, $("model").value);
  model.addEventListener("change", () => {
    $("model").value = model.value;
    localStorage.setItem(KEYS.model, model.value);
  });
  const presets = state.presets.map((p) => [p.name, presetInfo(p.name).title]);
  const preset = select("settings-preset", presets, localStorage.getItem(KEYS.preset) || state.preset);
  preset.addEventListener("change", () => {
    localStorage.setItem(KEYS.preset, preset.value);
    if (!state.conversation) {
      state.preset = preset.value;
      $("preset").value = preset.value;
    }
  });
  return group(
    "대화",
    field("기본 모델", model, "새 메시지에 쓰는 모델입니다 (대화 모델만 나옵니다)."),
    field("새 대화 프리셋", preset, "«새 대화»를 누르면 이 방식으로 시작합니다."),
  );
}

function appearanceAndMemory() {
  const theme = select("settings-theme", THEMES, localStorage.getItem(KEYS.theme) || "system");
  theme.addEventListener("change", () => setTheme(theme.value));
  const memory = document.createElement("input");
  memory.type = "checkbox";
  memory.id = "settings-memory";
  memory.checked = memoryOn();
  memory.addEventListener("change", () => localStorage.setItem(KEYS.memory, memory.checked ? "on" : "off"));
  const memoryRow = field(
    "기억 사용",
    memory,
    "켜 두면 하늘이 대화에서 말한 사실(사는 곳, 직업 등)을 기억해 다음 답에 씁니다. 끄면 이 브라우저의 메시지는 기억을 쓰지도 남기지도 않습니다.",
  );
  memoryRow.classList.add("inline");
  return group("화면과 기억", field("화면", theme), memoryRow);
}

function apiAccess() {
  const key = document.createElement("input");
  key.id = "settings-key";
  key.type = "password";
  key.autocomplete = "off";
  key.value = $("key").value;
  key.addEventListener("change", () => {
    $("key").value = key.value.trim();
    $("key").dispatchEvent(new Event("change"));
    if (key.value.trim()) revealKey();
  });
  const base = `${window.location.origin}/v1`;
  const example = el(
    "pre",
    "api-example",
    `curl ${base}/chat/completions \\\n  -H "Authorization: Bearer $HANEUL_API_KEY" \\\n` +
      `  -H "Content-Type: application/json" \\\n` +
      `  -d '{"messages": [{"role": "user", "content": "안녕하세요"}]}'`,
  );
  example.setAttribute("aria-label", "API 호출 예");
  example.tabIndex = 0;
  return group(
    "API 키",
    field("이 브라우저가 보내는 키", key, "서버가 키를 요구할 때만 필요합니다. 키는 이 브라우저에만 저장됩니다."),
    el("p", "hint", `OpenAI 호환 주소: ${base} · 키는 서버에서 «haneul keys create 이름»으로 만듭니다.`),
    example,
  );
}

function skillsState() {
  const list = el("ul", "settings-skills");
  for (const box of document.querySelectorAll("#skills input[type=checkbox]")) {
    const info = skillInfo(box.value);
    const li = el("li");
    const toggle = document.createElement("input");
    toggle.type = "checkbox";
    toggle.id = `settings-skill-${box.value}`;
    toggle.checked = box.checked;
    toggle.addEventListener("change", () => {
      box.checked = toggle.checked; // the skills tab is the one a turn reads
    });
    const label = el("label", "", `${info.title} · ${toggle.checked ? "켜짐" : "꺼짐"}`);
    label.htmlFor = toggle.id;
    toggle.addEventListener("change", () => (label.textContent = `${info.title} · ${toggle.checked ? "켜짐" : "꺼짐"}`));
    li.append(toggle, label);
    list.append(li);
  }
  const missing = document.querySelector("#skills li.missing .skill-description");
  const hint = missing ? el("p", "hint", `여행·렌터카: ${missing.textContent}`) : "";
  return group("스킬", list, hint);
}

export function openSettings() {
  const page = $("settings");
  const body = page.querySelector(".settings-body");
  body.replaceChildren(modelAndPreset(), appearanceAndMemory(), apiAccess(), skillsState());
  page.hidden = false;
  document.body.classList.add("settings-open");
  $("settings-close").focus();
}

let pushed = false; // the address went to #/settings from this page (not a reload)

export function closeSettings() {
  if ($("settings").hidden) return;
  $("settings").hidden = true;
  document.body.classList.remove("settings-open");
  if (settingsInLocation()) {
    if (pushed) window.history.back();
    else window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  pushed = false;
  $("open-settings")?.focus();
}

/** The page itself (built once), the header button, Esc, and #/settings in the address. */
export function wireSettings() {
  const page = el("section", "settings-page");
  page.id = "settings";
  page.hidden = true;
  page.setAttribute("role", "dialog");
  page.setAttribute("aria-modal", "true");
  page.setAttribute("aria-labelledby", "settings-title");
  const head = el("div", "settings-head");
  const title = el("h2", "", "설정");
  title.id = "settings-title";
  const close = button("닫기", "", "설정 닫기");
  close.id = "settings-close";
  close.addEventListener("click", closeSettings);
  head.append(title, close);
  page.append(head, el("div", "settings-body"));
  document.body.append(page);
  page.addEventListener("keydown", (e) => e.key === "Escape" && closeSettings());
  $("open-settings").addEventListener("click", () => {
    if (!settingsInLocation()) {
      window.history.pushState(null, "", "#/settings");
      pushed = true;
    }
    openSettings();
  });
}

export function settingsInLocation() {
  return window.location.hash === "#/settings";
}
