// The signed-in user in the chat's header: their name, the admin page for admins, and
// sign-out. Nothing is shown in the open mode or with an API key.
const header = document.querySelector("#main > header");

function csrf() {
  const found = document.cookie.match(/(?:^|; )haneul_csrf=([^;]*)/);
  return found ? decodeURIComponent(found[1]) : "";
}

async function show() {
  if (!header || !csrf()) return; // not signed in with a session
  const response = await fetch("/v1/auth/me");
  if (!response.ok) return;
  const { user } = await response.json();
  if (!user) return;
  const box = document.createElement("span");
  box.id = "account";
  box.style.fontSize = ".85rem";
  box.append(user.display_name || user.name, " ");
  if (user.role === "admin") {
    const admin = Object.assign(document.createElement("a"), { href: "/admin", textContent: "관리" });
    admin.style.color = "inherit"; // the header is dark
    box.append(admin, " ");
  }
  const out = Object.assign(document.createElement("button"), { type: "button", textContent: "로그아웃" });
  out.className = "icon"; // the header's own button style
  out.addEventListener("click", async () => {
    await fetch("/v1/auth/signout", { method: "POST", headers: { "X-CSRF-Token": csrf() } });
    location.assign("/signin");
  });
  box.append(out);
  header.querySelector("#theme")?.before(box);
}

show();
