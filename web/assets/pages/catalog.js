// The catalog: the program's certifications by track and level, one certification's
// exam, and the confirmation page with the rules before an exam starts.

import { api, session } from "../api.js";
import { navigate } from "../app.js";
import { h, render, notice, showError } from "../ui.js";

const LEVELS = { foundation: "Foundation", professional: "Professional", advanced: "Advanced" };

function examFacts(c) {
  const e = c.exam;
  return h("dl", { class: "facts" },
    h("dt", {}, "Duration"), h("dd", {}, `${e.duration_minutes} minutes`),
    h("dt", {}, "Questions"), h("dd", {}, String(e.question_count)),
    h("dt", {}, "Pass mark"), h("dd", {}, e.cut_score === "angoff"
      ? `set for each exam form, between ${e.pass_band.min_percent}% and ${e.pass_band.max_percent}%`
      : `${e.pass_mark_percent}%`),
    h("dt", {}, "Prerequisites"), h("dd", {}, c.prerequisites.length ? c.prerequisites.join(", ") : "none"),
    h("dt", {}, "Certificate valid for"), h("dd", {}, `${c.validity_months / 12} years`),
  );
}

export async function home(main) {
  const list = await api("/v1/certifications", { auth: false });
  const tracks = new Map();
  for (const c of [...list].sort((a, b) => a.recommended_order - b.recommended_order)) {
    if (!tracks.has(c.track)) tracks.set(c.track, []);
    tracks.get(c.track).push(c);
  }
  render(
    main,
    "Certifications",
    h("p", {}, "The Certified MLOps Architect program: Foundation, then Professional, then the Advanced tracks."),
    [...tracks].map(([track, certs]) => h("section", {},
      h("h2", {}, track),
      h("ul", { class: "cards" }, certs.map((c) => h("li", { class: "card" },
        h("h3", {}, h("a", { href: `/certifications/${c.code}` }, c.title)),
        h("p", {}, `${LEVELS[c.level] || c.level} · ${c.code}`),
        h("p", {}, `${c.exam.duration_minutes} minutes, ${c.exam.question_count} questions`,
          c.prerequisites.length ? `; needs ${c.prerequisites.join(", ")}` : ""),
      ))),
    )),
  );
}

export async function certification(main, [code]) {
  const c = await api(`/v1/certifications/${encodeURIComponent(code)}`, { auth: false });
  render(
    main,
    c.title,
    h("p", {}, `${LEVELS[c.level] || c.level} level, ${c.track} track · ${c.code}`),
    examFacts(c),
    h("h2", {}, "What the exam covers"),
    h("ul", {}, c.domains.map((d) => h("li", {}, `${d.name}: ${d.questions} questions`))),
    h("p", {}, session()
      ? h("a", { href: `/certifications/${c.code}/start`, class: "button" }, "Take this exam")
      : h("a", { href: `/sign-in?next=/certifications/${c.code}/start`, class: "button" }, "Sign in to take this exam")),
  );
}

export async function confirmStart(main, [code]) {
  if (!session()) return navigate(`/sign-in?next=/certifications/${code}/start`, { replace: true });
  const c = await api(`/v1/certifications/${encodeURIComponent(code)}`, { auth: false });
  const status = notice();
  const agree = h("input", { type: "checkbox", id: "agree", required: true });
  const start = h("button", { type: "submit" }, "Start the exam now");
  const rules = h("form", {},
    h("ul", { class: "rules" },
      h("li", {}, `You have ${c.exam.duration_minutes} minutes from the moment you start. The clock is the server's: it keeps running if you close the page.`),
      h("li", {}, "Every answer is saved as you choose it. If the connection drops, answers are kept on this device and sent when it returns."),
      h("li", {}, "Keep this window in front and full-screen. Leaving it, copying and pasting are recorded for the proctor."),
      h("li", {}, "A proctor may send you a warning, pause your exam (the clock stops) or end it."),
      h("li", {}, "You can change answers and mark questions for review until you submit. At the deadline the exam is submitted for you."),
    ),
    h("p", { class: "field check" }, agree, h("label", { for: "agree" }, "I have read the rules and I am ready")),
    start, status);
  rules.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!agree.checked) {
      status.className = "notice error";
      status.setAttribute("role", "alert");
      status.textContent = "Tick the box to confirm you have read the rules.";
      return;
    }
    start.disabled = true;
    try {
      const attempt = await api(`/v1/certifications/${encodeURIComponent(code)}/attempts`, { method: "POST", body: {} });
      document.documentElement.requestFullscreen?.().catch(() => {});
      navigate(`/exam/${attempt.id}`, { replace: true });
    } catch (e) {
      showError(status, e);
      if (e.code === "email_unverified") status.append(" ", h("a", { href: "/account" }, "Verify your address"));
      if (e.code === "attempt_in_progress") status.append(" ", h("a", { href: "/attempts" }, "Go to your open exam"));
      start.disabled = false;
    }
  });
  render(main, `Before you start: ${c.title}`, examFacts(c), h("h2", {}, "The rules"), rules);
}
