// The admin page: users, teams (members, safety policy, rate limits), API keys, usage and the
// audit log, over /v1/admin. Built with DOM nodes only (names are never parsed as HTML).
import { $, el, requests, say } from "./page.js";

const { call } = requests("/admin");
const ROLE = { admin: "관리자", member: "구성원" };
const POLICIES = ["", "annotate", "mask", "refuse", "block"];
const ACTIONS = {
  signin: "로그인", signin_failed: "로그인 실패", signin_locked: "잠긴 계정 로그인 시도", signout: "로그아웃",
  password_change: "비밀번호 변경", user_create: "사용자 추가", user_role: "역할 변경",
  user_disable: "사용 중지", user_enable: "사용 재개", user_password_reset: "비밀번호 재설정",
  user_unlock: "잠금 해제", team_create: "팀 추가", team_delete: "팀 삭제", team_limits: "팀 설정",
  team_member_add: "팀원 추가", team_member_remove: "팀원 제외", key_create: "키 발급", key_revoke: "키 폐기",
};
let names = {};

const when = (t) => (t ? new Date(t * 1000).toLocaleString("ko-KR") : "-");

async function act(what, done) {
  try {
    await what();
    if (done) say(done);
    await refresh();
  } catch (error) {
    say(error.message, false);
  }
}

function userRow(user) {
  const role = el("select", { ariaLabel: `${user.name} 역할` });
  for (const r of Object.keys(ROLE)) role.append(el("option", { value: r, selected: r === user.role }, ROLE[r]));
  role.addEventListener("change", () =>
    act(() => call(`/v1/admin/users/${user.id}`, { method: "PATCH", body: { role: role.value } }), "역할을 바꿨습니다"));
  const toggle = el("button", { type: "button" }, user.disabled ? "사용 재개" : "사용 중지");
  toggle.addEventListener("click", () =>
    act(() => call(`/v1/admin/users/${user.id}`, { method: "PATCH", body: { disabled: !user.disabled } })));
  const actions = el("td", {}, toggle);
  if (user.locked_until && user.locked_until * 1000 > Date.now()) {
    const unlock = el("button", { type: "button" }, "잠금 해제");
    unlock.addEventListener("click", () =>
      act(() => call(`/v1/admin/users/${user.id}`, { method: "PATCH", body: { unlock: true } }), "잠금을 풀었습니다"));
    actions.append(" ", unlock);
  }
  const state = user.disabled ? "중지됨" : user.locked_until && user.locked_until * 1000 > Date.now() ? "잠김" : "사용 중";
  return el("tr", {}, el("td", {}, user.name), el("td", {}, user.display_name), el("td", {}, role),
    el("td", {}, user.teams.map((t) => t.name).join(", ") || "-"), el("td", {}, state), actions);
}

function teamRow(team) {
  const members = el("td", {});
  for (const m of team.members) {
    const out = el("button", { type: "button", ariaLabel: `${m.name} 빼기` }, "×");
    out.addEventListener("click", () =>
      act(() => call(`/v1/admin/teams/${team.id}/members/${m.id}`, { method: "DELETE" })));
    members.append(el("span", {}, m.name, " ", out), " ");
  }
  const add = el("form", {}, el("input", { name: "user", placeholder: "아이디", ariaLabel: `${team.name}에 추가할 사용자`, required: true }),
    el("button", { type: "submit" }, "추가"));
  add.addEventListener("submit", (e) => {
    e.preventDefault();
    act(() => call(`/v1/admin/teams/${team.id}/members`, { method: "POST", body: { user: add.elements.user.value.trim() } }), "구성원을 추가했습니다");
  });
  members.append(add);
  const policy = el("select", { name: "policy", ariaLabel: `${team.name} 안전 정책` });
  for (const p of POLICIES) policy.append(el("option", { value: p, selected: p === (team.safety_policy || "") }, p || "기본"));
  const rpm = el("input", { name: "rpm", type: "number", min: 1, value: team.rpm ?? "", placeholder: "분당 요청", ariaLabel: `${team.name} 분당 요청` });
  const conc = el("input", { name: "conc", type: "number", min: 1, value: team.max_concurrent ?? "", placeholder: "동시 생성", ariaLabel: `${team.name} 동시 생성` });
  const limits = el("form", {}, policy, rpm, conc, el("button", { type: "submit" }, "저장"));
  limits.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = { safety_policy: policy.value || null, rpm: rpm.value ? Number(rpm.value) : null, max_concurrent: conc.value ? Number(conc.value) : null };
    act(() => call(`/v1/admin/teams/${team.id}`, { method: "PATCH", body }), "팀 설정을 저장했습니다");
  });
  return el("tr", {}, el("td", {}, team.name), members, el("td", {}, limits));
}

function keyRow(key) {
  const revoke = el("button", { type: "button", disabled: key.revoked }, "폐기");
  revoke.addEventListener("click", () => act(() => call(`/v1/admin/keys/${key.id}`, { method: "DELETE" }), "키를 폐기했습니다"));
  return el("tr", {}, el("td", {}, key.name), el("td", {}, `${key.prefix}…`), el("td", {}, key.user || "-"),
    el("td", {}, when(key.last_used_at)), el("td", {}, key.revoked ? "폐기됨" : "사용 중"), el("td", {}, revoke));
}

const usageRow = (label, u) =>
  el("tr", {}, el("td", {}, label), el("td", {}, String(u.requests)), el("td", {}, String(u.tokens)), el("td", {}, String(u.documents)));

function auditRows(audit) {
  const rows = audit.accounts.map((e) => ({ at: e.at, who: names[e.actor] || e.actor, what: ACTIONS[e.action] || e.action, target: names[e.target] || e.target, detail: names[e.detail] || e.detail }));
  for (const s of audit.safety) rows.push({ at: s.at, who: s.owner && s.owner !== s.key_id ? `${names[s.owner] || s.owner} (${s.key_id})` : names[s.key_id] || s.key_id, what: `AI 필터 ${s.action} (${s.direction})`, target: "", detail: s.categories.join(", ") });
  rows.sort((a, b) => b.at - a.at);
  return rows.slice(0, 100).map((r) => el("tr", {}, el("td", {}, when(r.at)), el("td", {}, r.who), el("td", {}, r.what), el("td", {}, r.target), el("td", {}, r.detail)));
}

async function refresh() {
  const [users, teams, keys, usage, audit] = await Promise.all(
    ["users", "teams", "keys", "usage", "audit"].map((p) => call(`/v1/admin/${p}`)));
  names = Object.fromEntries([...users.data, ...teams.data].map((x) => [x.id, x.name]));
  $("users").replaceChildren(...users.data.map(userRow));
  $("teams").replaceChildren(...teams.data.map(teamRow));
  $("keys").replaceChildren(...keys.data.map(keyRow));
  $("usage").replaceChildren(...usage.users.map((u) => usageRow(u.name, u)), ...usage.teams.map((t) => usageRow(`팀 ${t.name}`, t)));
  $("audit").replaceChildren(...auditRows(audit));
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    handler(event.target);
  });
}

onSubmit("user-form", (f) => act(async () => {
  await call("/v1/admin/users", { method: "POST", body: { name: f.elements.name.value.trim(), display_name: f.elements.display_name.value.trim(), password: f.elements.password.value, role: f.elements.role.value } });
  f.reset();
}, "사용자를 추가했습니다"));
onSubmit("team-form", (f) => act(async () => {
  await call("/v1/admin/teams", { method: "POST", body: { name: f.elements.name.value.trim() } });
  f.reset();
}, "팀을 추가했습니다"));
onSubmit("key-form", (f) => act(async () => {
  const key = await call("/v1/me/keys", { method: "POST", body: { name: f.elements.name.value.trim() } });
  $("secret").textContent = `새 키 (지금 한 번만 보입니다): ${key.secret}`;
  f.reset();
}));
onSubmit("password-form", (f) => act(async () => {
  await call("/v1/auth/password", { method: "POST", body: { current: f.elements.current.value, new: f.elements.new.value } });
  f.reset();
}, "비밀번호를 바꿨습니다"));
$("signout").addEventListener("click", async () => {
  await call("/v1/auth/signout", { method: "POST" }).catch(() => {});
  location.assign("/signin");
});

async function start() {
  try {
    const me = await call("/v1/auth/me");
    $("who").textContent = me.user ? `${me.user.display_name} (${ROLE[me.user.role]})` : "";
    await refresh();
    document.body.dataset.ready = "true";
  } catch (error) {
    say(error.message, false);
    document.body.dataset.ready = "error";
  }
}
start();
