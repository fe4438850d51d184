// Follow-up suggestions under the newest answer, made without a model call from what the turn
// itself used: the skill that answered (and its arguments) and the documents it cited. They are
// questions the reader may ask next, never statements, so they cannot invent a fact; a plain
// chat answer gets none.
import { $, el, button } from "./state.js";

const MAX = 3;

/** A Korean particle after `word`: `josa("평", "은", "는")` is «평은». The final syllable's
 * last consonant decides; «로» also follows ㄹ; a final digit is read as Sino-Korean. */
export function josa(word, withFinal, withoutFinal) {
  const last = String(word).trim().slice(-1);
  const code = last.charCodeAt(0) - 0xac00;
  let final = code >= 0 && code <= 11171 ? code % 28 : { 0: 1, 1: 8, 3: 16, 6: 1, 7: 8, 8: 8 }[last] ?? 0;
  if (Number.isNaN(Number(last)) && (code < 0 || code > 11171)) final = 0;
  const ro = withoutFinal === "로";
  return word + (final && !(ro && final === 8) ? withFinal : withoutFinal);
}

function round(value) {
  return Math.round(value * 100) / 100;
}

// other units of the same kind, for a quantity said in several («3시간 20분» → 분)
const SAME_KIND = { 초: ["분", "시간"], 분: ["시간", "초"], 시간: ["분", "초"], 인치: ["센티미터", "피트"] };

function unitFollowups(args, data) {
  const { value, from_unit: from, to_unit: to, said } = args || {};
  if (!from || !to) return [];
  if (from === to) {
    // «3시간 20분은 몇 분이야?»: «1분은 몇 분이야?» would ask nothing
    const what = said || `${value}${from}`;
    return (SAME_KIND[to] || []).map((unit) => `${josa(what, "은", "는")} 몇 ${josa(unit, "이야", "야")}?`);
  }
  const out = [`${josa(`1${from}`, "은", "는")} 몇 ${josa(to, "이야", "야")}?`];
  if (typeof data?.value === "number") {
    // the other way round, from the skill's own result
    out.push(`${josa(`${round(data.value)}${to}`, "은", "는")} 몇 ${josa(from, "이야", "야")}?`);
  }
  if (typeof value === "number" && value !== 1) {
    out.push(`${josa(`${value * 2}${from}`, "은", "는")} 몇 ${josa(to, "이야", "야")}?`);
  }
  return out;
}

function calendarFollowups(args) {
  const year = args?.year;
  return [
    "다음 공휴일은 언제야?",
    year ? `${year}년 공휴일을 모두 알려줘` : "올해 공휴일을 모두 알려줘",
    "오늘은 음력으로 며칠이야?",
  ];
}

const BY_SKILL = {
  math: () => ["풀이 과정을 단계별로 설명해 줘", "비슷한 문제를 하나 더 내 줘"],
  convert_units: unitFollowups,
  units: unitFollowups,
  korean_calendar: calendarFollowups,
};

const BY_FAMILY = {
  travel: (names) => [
    names.has("car_rental__searchCars") ? "그 지역 렌터카도 찾아줘" : null,
    "항공편도 찾아줘",
    "날짜별 일정을 표로 짜 줘",
  ],
  car_rental: () => ["가장 저렴한 차로 예약해 줘", "호텔도 찾아줘"],
};

/** From the documents the answer cites: those its text marks ([n]) when it marks any. */
function documentFollowups(citations, content = "") {
  const supported = citations.filter((c) => c.supported !== false);
  const marked = supported.filter((c) => content.includes(`[${c.n}]`));
  const names = [...new Set((marked.length ? marked : supported).map((c) => c.document).filter(Boolean))];
  const out = [];
  for (const name of names.slice(0, 2)) out.push(`«${name}» 내용을 요약해 줘`);
  if (names.length) out.push(`«${names[0]}»에서 비슷한 내용을 더 찾아줘`);
  return out;
}

/** Up to three questions to ask next, from a `done` event (and the conversation's preset). */
export function followupsFor(done, preset = "chat") {
  if (!done || ["confirmation_required", "content_filter"].includes(done.finish_reason)) return [];
  const calls = (done.message?.skill_calls || []).filter((c) => !c.error);
  const names = new Set(calls.map((c) => c.name));
  const out = [];
  for (const call of calls) {
    const family = call.name.split("__")[0];
    if (BY_SKILL[call.name]) out.push(...BY_SKILL[call.name](call.arguments, call.data));
    else if (BY_FAMILY[family]) out.push(...BY_FAMILY[family](names));
  }
  out.push(...documentFollowups(done.citations || done.message?.citations || [], done.message?.content));
  if (preset === "trip" && !out.length) out.push("날짜별 일정을 표로 짜 줘");
  return [...new Set(out.filter(Boolean))].slice(0, MAX);
}

export function clearFollowups() {
  $("log").querySelectorAll(".followups").forEach((node) => node.remove());
}

/** Chips under `answer`; clicking one sends it as the next message. */
export function showFollowups(answer, done, preset, onPick) {
  clearFollowups();
  const questions = followupsFor(done, preset);
  if (!questions.length) return;
  const row = el("div", "followups");
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", "이어서 물어보기");
  row.append(el("span", "followups-label", "이어서 물어보기:"));
  for (const text of questions) {
    const chip = button(text, "followup");
    chip.addEventListener("click", () => onPick(text));
    row.append(chip);
  }
  answer.append(row);
}
