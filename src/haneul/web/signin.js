// The sign-in page: name and password to /v1/auth/signin, then back to the page asked for.
const form = document.getElementById("signin-form");
const message = document.getElementById("message");

function next() {
  const target = new URLSearchParams(location.search).get("next") || "/";
  const sameSite = target.startsWith("/") && !target.startsWith("//") && !target.includes("\\");
  return sameSite ? target : "/"; // same site only (a browser reads a backslash as a slash)
}

const sso = document.getElementById("sso"); // present when single sign-on is configured
if (sso) sso.href = `/auth/oidc/login?next=${encodeURIComponent(next())}`;

function korean(status, code, text) {
  if (status === 423) return `로그인 실패가 많아 계정이 잠겼습니다. ${text}`;
  if (code === "account_disabled") return "사용이 중지된 계정입니다. 관리자에게 문의하세요.";
  if (status === 401) return "아이디 또는 비밀번호가 올바르지 않습니다.";
  if (status === 422) return "아이디와 비밀번호를 입력하세요.";
  return text || `오류 (HTTP ${status})`;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  message.textContent = "";
  const body = {
    name: document.getElementById("name").value.trim(),
    password: document.getElementById("password").value,
  };
  let response;
  try {
    response = await fetch("/v1/auth/signin", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    message.textContent = "서버에 연결할 수 없습니다.";
    return;
  }
  if (response.ok) {
    location.assign(next());
    return;
  }
  const data = await response.json().catch(() => ({}));
  message.textContent = korean(response.status, data?.error?.code, data?.error?.message);
  document.getElementById("password").select();
});
