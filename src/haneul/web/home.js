// The first screen: a greeting, example prompts (one per skill family) and the presets read
// from GET /v1/presets; choosing a preset says what it does and starts a conversation with it.
import { $, el, button, state } from "./state.js";
import { api } from "./api.js";

export const EXAMPLES = [
  ["계산", "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?"],
  ["단위", "30평은 몇 제곱미터야?"],
  ["달력·공휴일", "올해 추석 연휴는 언제야?"],
  ["문서 검색", "올린 문서에서 연차 휴가 규정 찾아줘"],
  ["여행", "제주도 호텔 찾아줘"],
];

// Names and openers for the shipped presets; a preset the UI does not know shows its name and
// the first sentence of its system prompt.
const KNOWN = {
  chat: ["자유 대화", "무엇이든 묻고 답하는 기본 대화", "무엇이든 물어보세요. 계산, 단위, 날짜, 문서는 스킬이 정확히 답합니다."],
  interview: ["모의 면접", "면접관이 직무에 맞는 질문을 하나씩 하고 답을 평가합니다", "지원하는 직무를 알려 주세요. 면접 질문을 한 번에 하나씩 드리고, 답을 들은 뒤 잘한 점과 보완할 점을 말씀드립니다."],
  trip: ["여행 계획", "여행지·날짜·동행을 물어 날짜별 일정을 표로 짜 줍니다", "어디로, 언제, 누구와 가시나요? 여행지·날짜·동행을 알려 주시면 날짜별 일정을 표로 제안합니다."],
}; // prettier-ignore

function firstSentence(text) {
  const match = (text || "").match(/^.*?[.!?다요](?=\s|$)/);
  return (match ? match[0] : text || "").trim();
}

export function presetInfo(name) {
  const preset = state.presets.find((p) => p.name === name) || { name, system: "" };
  const [title, about, opener] = KNOWN[name] || [name, "", ""];
  const first = firstSentence(preset.system);
  return { name, title, about: about || first, opener: opener || first };
}

/** The chosen model's name when the assistant does not let it answer open questions (a
 * small model: GET /v1/models says open_chat false), else null. */
export function smallModel() {
  const chooser = $("model");
  const option = chooser && chooser.selectedOptions[0];
  return option && option.dataset.small === "true" ? option.value : null;
}

function isRole(name) {
  const preset = state.presets.find((p) => p.name === name);
  return preset ? preset.role_play ?? name !== "chat" : name !== "chat";
}

/** What a small model does in a preset: the role is not given to it, and in free chat only
 * what the system knows is answered (the server's words, compose.SMALL_*_KO). */
function smallNote(name, model) {
  return isRole(name)
    ? `지금 모델(${model})은 작은 모델이라 이 역할을 맡기지 않습니다. 더 큰 모델을 고르세요.`
    : `지금 모델(${model})은 작은 모델이라 계산·단위·날짜·문서·할 일은 확실히 답하고, 일반 질문에는 답하지 않습니다.`;
}

/** Marks the role presets the chosen model will not play (after the models, the presets or
 * the chosen model change). */
export function markPresets() {
  const model = smallModel();
  for (const card of document.querySelectorAll(".preset-card")) {
    card.querySelector(".preset-note")?.remove();
    const role = isRole(card.dataset.preset);
    card.classList.toggle("needs-larger", Boolean(model) && role);
    if (model) card.append(el("span", "preset-note", role ? "큰 모델 필요" : "일반 질문은 큰 모델 필요"));
  }
}

export async function loadPresets() {
  const { data } = await api("/v1/presets").catch(() => ({ data: [{ name: "chat", system: "" }] }));
  state.presets = data;
  const select = $("preset");
  select.replaceChildren();
  for (const p of data) select.append(new Option(presetInfo(p.name).title, p.name));
  select.value = state.preset;
  const cards = $("presets");
  cards.replaceChildren();
  for (const p of data) {
    const info = presetInfo(p.name);
    const card = button("", "preset-card"); // named by its visible text
    card.dataset.preset = p.name;
    card.append(el("strong", "", info.title), el("span", "", info.about));
    cards.append(card);
  }
  markPresets();
}

/** What the chosen preset does, at the top of a new conversation (not stored). */
export function presetBanner(name) {
  const info = presetInfo(name);
  const banner = el("div", "preset-banner");
  banner.dataset.preset = name;
  banner.append(el("strong", "", info.title), el("p", "", info.opener));
  const model = smallModel();
  if (model) banner.append(el("p", "hint small-model", smallNote(name, model)));
  if (name === "trip" && document.body.dataset.travel !== "true") {
    const hint = "호텔·항공·렌터카 검색은 서버를 HANEUL_SKILL_MANIFESTS=travel,car_rental 로 시작하면 켜집니다.";
    banner.append(el("p", "hint", hint));
  }
  $("welcome").hidden = true;
  $("log").prepend(banner);
}

export function showWelcome() {
  $("welcome").hidden = false;
}

export function drawExamples(onPick) {
  const list = $("examples");
  list.replaceChildren();
  for (const [family, text] of EXAMPLES) {
    const example = button("", "example"); // named by its visible text: «계산 점 (2,5)와…»
    example.dataset.family = family;
    example.append(el("span", "example-family", family), el("span", "example-text", text));
    example.addEventListener("click", () => onPick(text));
    list.append(example);
  }
}
