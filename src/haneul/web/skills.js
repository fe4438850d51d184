// Skills in Korean: display names and descriptions for the built-in skills and the shipped
// travel / car-rental manifests (the server's description is the fallback), and the panel
// that switches skills on and off for the next turns.
import { $, el } from "./state.js";
import { api } from "./api.js";

const BUILTIN = {
  math: ["🧮", "수학 계산", "식을 계산하고 방정식을 풀며, 풀이 과정을 보여 줍니다."],
  units: ["📏", "단위 변환", "평·근·돈 같은 한국 단위와 미터법 단위를 바꿉니다."],
  convert_units: ["📏", "단위 변환", "평·근·돈 같은 한국 단위와 미터법 단위를 바꿉니다."],
  korean_calendar: ["📅", "달력·공휴일", "오늘 날짜, 요일, 음력, 한국 공휴일을 알려 줍니다."],
  search_documents: ["📄", "문서 검색", "올린 문서에서 답이 되는 문단을 찾아 출처와 함께 보여 줍니다."],
  table: ["📊", "표 만들기", "문서의 표나 목록을 표로 정리합니다."],
  document_table: ["📊", "표 만들기", "문서의 표나 목록을 표로 정리합니다."],
  document_summary: ["📝", "문서 요약", "올린 문서의 요점을 문서의 문장 그대로 골라 보여 줍니다."],
  todo_list: ["✅", "오늘 할 일", "내 할 일을 오늘·밀린 일·기간별로 보여 줍니다."],
  todo_add: ["📝", "할 일 추가", "할 일을 추가합니다 (저장 전에 확인을 받습니다)."],
  todo_done: ["☑️", "할 일 완료", "끝낸 할 일을 완료로 표시합니다 (바꾸기 전에 확인을 받습니다)."],
  mail: ["✉️", "메일", "받은 메일을 보여 주고 요약하며, 답장 초안(존댓말, 내 서명)을 써서 승인을 받습니다. 메일을 직접 보내지는 않습니다."],
  python: ["🐍", "코드 실행", "첨부한 CSV·엑셀로 그래프를 그리고 파이썬 코드를 안전한 샌드박스에서 실행합니다."],
};

// A manifest's operations are named `<manifest>__<operationId>`: [title, description].
const FAMILIES = {
  travel: ["✈️", "여행", {
    searchHotels: ["호텔 찾기", "도시의 호텔을 찾아 이름·지역·1박 요금·평점을 보여 줍니다."],
    searchFlights: ["항공편 찾기", "국내선 항공편의 편명·항공사·시각·요금을 찾습니다."],
  }],
  car_rental: ["🚗", "렌터카", {
    searchCars: ["차 찾기", "지역에서 빌릴 수 있는 차와 하루 요금을 찾습니다."],
    createReservation: ["예약", "렌터카를 예약합니다."],
    cancelReservation: ["예약 취소", "렌터카 예약을 취소합니다."],
  }],
}; // prettier-ignore

/** {icon, title, description, family} for a skill name (and the server's description). */
export function skillInfo(name, description = "") {
  if (BUILTIN[name]) {
    const [icon, title, text] = BUILTIN[name];
    return { icon, title, description: text, family: name };
  }
  const [family, operation] = name.split("__");
  if (operation && FAMILIES[family]) {
    const [icon, group, operations] = FAMILIES[family];
    const [label, text] = operations[operation] || [operation, description];
    return { icon, title: `${group} · ${label}`, description: text || description, family };
  }
  return { icon: "🧩", title: name, description: description || name, family: name };
}

const ARGUMENT_NAMES = {
  expression: "식",
  point: "점",
  value: "값",
  from_unit: "바꿀 단위",
  to_unit: "바꾼 단위",
  said: "입력한 양",
  date: "날짜",
  year: "연도",
  month: "월",
  holidays: "공휴일",
  lunar: "음력",
  label: "물어본 날",
  count: "남은 날 세기",
  remaining: "남은 것만",
  leave_days: "쉬는 날 수",
  leave_kind: "종류",
  minutes_later: "몇 분 뒤",
  name: "이름",
  query: "검색어",
  collection: "컬렉션",
  top_k: "결과 수",
  document: "문서",
  rows: "행 수",
  points: "문장 수",
  code: "코드",
  request: "요청",
  about: "요청",
  text: "붙여 준 글",
  title: "제목",
  due: "기한",
  priority: "중요도",
  more: "함께 추가할 일",
  limit: "개수",
  action: "동작",
  thread: "메일",
  thread_id: "메일",
  instructions: "요청 내용",
  city: "도시",
  location: "장소",
  origin: "출발",
  destination: "도착",
  checkin: "체크인",
  checkout: "체크아웃",
  nights: "박",
  days: "일수",
  room: "회의실",
  when: "일시",
  time: "시간",
};

// The Korean words of the choices a built-in skill's argument takes in English (the card
// showed «중요도 normal»); tests/web/test_argument_names.py holds it to every such choice.
const VALUE_NAMES = {
  priority: { high: "높음", normal: "보통", low: "낮음" },
  action: { inbox: "받은 메일 보기", summary: "요약", draft: "답장 초안" },
};

export function argumentName(key) {
  return ARGUMENT_NAMES[key] || key;
}

export function argumentValue(value, key) {
  if (value === true) return "예";
  if (value === false) return "아니요";
  if (value === null || value === undefined) return "—";
  if (typeof value === "string" && VALUE_NAMES[key]?.[value]) return VALUE_NAMES[key][value];
  if (Array.isArray(value)) return `(${value.map((v) => argumentValue(v, key)).join(", ")})`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// ---- the panel ---------------------------------------------------------------------------------

function skillItem(skill) {
  const info = skillInfo(skill.name, skill.description);
  const li = el("li", "skill");
  li.dataset.skill = skill.name;
  const label = el("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  box.value = skill.name;
  const title = el("span", "skill-title", info.title);
  label.append(box, title);
  const text = el("small", "skill-description", info.description);
  li.append(label, text);
  if (skill.side_effects) li.append(el("small", "skill-note", "실행 전에 확인을 받습니다"));
  return li;
}

/** The hint for the travel / car-rental skills when the server did not load them. */
function missingFamilies(names) {
  const missing = Object.keys(FAMILIES).filter((f) => !names.some((n) => n.startsWith(`${f}__`)));
  if (!missing.length) return null;
  const li = el("li", "skill missing");
  const titles = missing.map((f) => FAMILIES[f][1]).join("·");
  li.append(el("span", "skill-title", `${titles} (꺼짐)`));
  li.append(
    el(
      "small",
      "skill-description",
      `서버를 HANEUL_SKILL_MANIFESTS=${missing.join(",")} 로 시작하면 쓸 수 있습니다 ` +
        "(docs/openapi-skills.md).",
    ),
  );
  return li;
}

export async function loadSkills() {
  const list = $("skills");
  const { data } = await api("/v1/skills").catch(() => ({ data: [] }));
  list.replaceChildren();
  for (const skill of data) list.append(skillItem(skill));
  const hint = missingFamilies(data.map((s) => s.name));
  if (hint) list.append(hint);
  document.body.dataset.travel = String(data.some((s) => s.name.startsWith("travel__")));
}

/** The skills switched on, or null when all are (the server's default). */
export function enabledSkills() {
  const boxes = [...document.querySelectorAll("#skills input[type=checkbox]")];
  const on = boxes.filter((b) => b.checked).map((b) => b.value);
  return on.length === boxes.length ? null : on;
}
