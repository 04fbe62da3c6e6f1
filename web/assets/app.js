// The browser client's router: every page is a module rendering into <main>; links within
// the site change the page without reloading it.

import { session, signOut, scheduleRefresh } from "./api.js";
import { h } from "./ui.js";
import * as account from "./pages/account.js";
import * as catalog from "./pages/catalog.js";
import * as exam from "./pages/exam.js";
import * as mine from "./pages/mine.js";
import * as certificate from "./pages/certificate.js";
import * as verify from "./pages/verify.js";
import * as proctor from "./pages/proctor.js";

const ROUTES = [
  [/^\/$/, catalog.home],
  [/^\/register$/, account.register],
  [/^\/sign-in$/, account.signInPage],
  [/^\/verify-email$/, account.verifyEmail],
  [/^\/reset-password$/, account.resetPassword],
  [/^\/account$/, account.accountPage],
  [/^\/certifications\/([A-Za-z0-9-]+)$/, catalog.certification],
  [/^\/certifications\/([A-Za-z0-9-]+)\/start$/, catalog.confirmStart],
  [/^\/exam\/([0-9a-f-]+)$/, exam.examPage],
  [/^\/attempts$/, mine.attempts],
  [/^\/attempts\/([0-9a-f-]+)$/, mine.result],
  [/^\/certificates$/, mine.certificates],
  [/^\/c\/([A-Za-z0-9-]+)$/, certificate.publicPage],
  [/^\/verify$/, verify.verifyPage],
  [/^\/partner$/, verify.partnerPage],
  [/^\/proctor$/, proctor.consolePage],
  [/^\/proctor\/attempts\/([0-9a-f-]+)$/, proctor.attemptPage],
];

let cleanup = null;

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  show();
}

function nav() {
  const s = session();
  const role = s && s.me && s.me.role;
  const items = [h("a", { href: "/" }, "Certifications"), h("a", { href: "/verify" }, "Check a certificate")];
  if (s) {
    if (role === "candidate") {
      items.push(h("a", { href: "/attempts" }, "My exams"), h("a", { href: "/certificates" }, "My certificates"));
    }
    if (role === "proctor" || role === "admin") items.push(h("a", { href: "/proctor" }, "Proctoring"));
    items.push(
      h("a", { href: "/account" }, "Account"),
      h("button", {
        type: "button",
        class: "link",
        onclick: async () => {
          await signOut();
          navigate("/sign-in");
        },
      }, "Sign out"),
    );
  } else {
    items.push(h("a", { href: "/partner" }, "Partners"), h("a", { href: "/sign-in" }, "Sign in"), h("a", { href: "/register" }, "Register"));
  }
  const here = location.pathname;
  for (const item of items) {
    if (item.getAttribute && item.getAttribute("href") === here) item.setAttribute("aria-current", "page");
  }
  document.getElementById("nav").replaceChildren(...items);
}

async function show() {
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // A page that fails to clean up must not keep the next from showing.
    }
    cleanup = null;
  }
  nav();
  const main = document.getElementById("main");
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const query = new URLSearchParams(location.search);
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      try {
        cleanup = (await page(main, match.slice(1), query)) || null;
      } catch (e) {
        main.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, String(e.message || e)));
      }
      return;
    }
  }
  main.replaceChildren(h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/" }, "Back to the certifications")));
}

document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[href]");
  if (!a || a.target || a.hasAttribute("download") || event.defaultPrevented) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/v1/") || url.pathname.startsWith("/.well-known/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", show);
window.addEventListener("invigil:session", nav);
scheduleRefresh();
show();
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
