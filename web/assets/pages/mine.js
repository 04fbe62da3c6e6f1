// A candidate's own: exams taken (and the one open), a result with what happens next, and
// certificates.

import { api, session } from "../api.js";
import { navigate } from "../app.js";
import { h, render, date, dateTime, table, statusWord, notice } from "../ui.js";

const OPEN = new Set(["in_progress", "paused"]);

function needSession(main, next) {
  if (session()) return false;
  navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
  return true;
}

export async function attempts(main) {
  if (needSession(main, "/attempts")) return;
  const list = await api("/v1/me/attempts?limit=200");
  render(
    main,
    "My exams",
    list.length === 0
      ? h("p", {}, "No exam yet. ", h("a", { href: "/" }, "Choose a certification"))
      : table(
        ["Certification", "Started", "Status", "Score", ""],
        list.map((a) => [
          a.certification_code,
          dateTime(a.started_at),
          statusWord(a.status),
          a.score_percent === null || a.score_percent === undefined ? "" : `${a.score_percent}%`,
          OPEN.has(a.status)
            ? h("a", { href: `/exam/${a.id}` }, "Continue the exam")
            : h("a", { href: `/attempts/${a.id}` }, "See the result"),
        ]),
        "Your attempts, newest first",
      ),
  );
}

export async function result(main, [id]) {
  if (needSession(main, `/attempts/${id}`)) return;
  let r;
  for (let tries = 0; ; tries += 1) {
    try {
      r = await api(`/v1/attempts/${id}/result`);
      break;
    } catch (e) {
      // Still open: it is being finalised (at the deadline), or the candidate came back.
      if (e.code !== "attempt_in_progress" || tries >= 10) {
        if (e.code === "attempt_in_progress") return navigate(`/exam/${id}`, { replace: true });
        throw e;
      }
      render(main, "Your result", notice("Scoring your exam…"));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  const cert = await api(`/v1/certifications/${encodeURIComponent(r.certification_code)}`, { auth: false });
  render(
    main,
    `Your result: ${cert.title}`,
    h("p", { class: `outcome ${r.status}`, id: "outcome" }, outcomeText(r)),
    h("dl", { class: "facts" },
      h("dt", {}, "Score"), h("dd", { id: "score" }, `${r.score_percent}% (${r.points_awarded} of ${r.points_possible} points)`),
      h("dt", {}, "Pass mark"), h("dd", {}, `${r.pass_mark_percent}%`),
      h("dt", {}, "Submitted"), h("dd", {}, dateTime(r.submitted_at))),
    h("h2", {}, "By domain"),
    table(["Domain", "Score"], r.domains.map((d) => [d.name, `${d.score_percent}%`])),
    r.labs && r.labs.length
      ? [h("h2", {}, "Practical tasks"), table(["Task", "Points", ""], r.labs.map((l, i) => [
        `Lab ${i + 1}`, `${l.points_awarded} of ${l.points_possible}`,
        !l.answered ? "not answered" : l.status === "ungradable" ? "the file could not be read" : "graded",
      ]))]
      : null,
    h("h2", {}, "What happens next"),
    nextSteps(r, cert),
  );
}

function outcomeText(r) {
  switch (r.status) {
    case "passed": return "You passed.";
    case "failed": return "You did not pass this time.";
    case "pending_review": return "Your result is held for review by a proctor.";
    case "invalidated": return "After review, this attempt does not count.";
    case "terminated": return "A proctor ended this attempt.";
    default: return statusWord(r.status);
  }
}

function nextSteps(r, cert) {
  if (r.certificate) {
    return h("p", {}, "Your certificate ", h("a", { href: `/c/${r.certificate.number}`, id: "certificate-link" }, r.certificate.number),
      ` is valid until ${date(r.certificate.expires_on)}. Anyone can check it at its page.`);
  }
  if (r.status === "pending_review") {
    return h("p", {}, "A proctor looks at what was recorded during the exam and decides, usually within two working days. This is not an accusation. You will get an e-mail when it is decided.");
  }
  if (r.status === "failed" || r.status === "terminated" || r.status === "invalidated") {
    const retake = new Date(Date.parse(r.submitted_at) + cert.exam.retake_wait_days * 86_400_000);
    return h("p", {}, `You may take the exam again from ${date(retake.toISOString())} (${cert.exam.retake_wait_days} days after this attempt), up to ${cert.exam.max_attempts_per_year} attempts a year.`);
  }
  return h("p", {}, h("a", { href: "/certificates" }, "Your certificates"));
}

export async function certificates(main) {
  if (needSession(main, "/certificates")) return;
  const list = await api("/v1/me/certificates");
  render(
    main,
    "My certificates",
    list.length === 0
      ? h("p", {}, "No certificate yet.")
      : table(
        ["Certification", "Number", "Status", "Valid until", ""],
        list.map((c) => [
          c.certification_title,
          c.number,
          statusWord(c.status) + (c.revoked_reason ? ` (${c.revoked_reason})` : ""),
          date(c.expires_on),
          h("a", { href: `/c/${c.number}` }, "Certificate page"),
        ]),
      ),
  );
}
