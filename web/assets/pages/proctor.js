// The proctor's console: open attempts, refreshed every few seconds, and one attempt's
// timeline with the proctor's actions (warn, pause, resume, terminate) and the review of
// a held result.

import { session, apiWithHeaders, api, refresh } from "../api.js";
import { h, render, showError, describe, statusWord } from "../ui.js";

const REFRESH_MS = 5_000;
const PAGE = 200;
// Pages of the console list searched for one attempt's summary (no per-attempt endpoint).
const SUMMARY_PAGES = 5;
// A heartbeat older than this is called out in words; the server flags a gap at 60 s.
const SILENT_AFTER_S = 60;

const FLAG_WORDS = {
  multiple_faces: "more than one face on camera",
  face_not_detected: "no face on camera",
  focus_lost: "left the exam window",
  fullscreen_exit: "left full screen",
  copy_paste: "copied or pasted",
  heartbeat_gap: "stopped reporting",
  client_changed: "changed device or browser",
};

const EVENT_WORDS = {
  heartbeat: "heartbeat",
  focus_lost: "left the exam window",
  focus_regained: "came back to the exam window",
  fullscreen_exit: "left full screen",
  copy: "copied",
  paste: "pasted",
  face_not_detected: "no face on camera",
  multiple_faces: "more than one face on camera",
  voice_detected: "voice heard",
  network_offline: "went offline",
  network_online: "came back online",
};

const words = (table, key) => table[key] || String(key).replace(/_/g, " ");

// The server's clock minus this one, from the Date header: ages and countdowns are the
// server's, whatever this computer's clock says.
let skewMs = 0;
const serverNow = () => Date.now() + skewMs;

/// Who may see these pages: anyone signed in but a candidate (the API refuses the rest).
function allowed(main, here) {
  const s = session();
  if (!s) {
    render(main, "Proctoring", h("p", {}, "Sign in with a proctor account to watch exams. ",
      h("a", { href: `/sign-in?next=${encodeURIComponent(here)}` }, "Sign in")));
    return false;
  }
  const role = s.me && s.me.role;
  if (role && role !== "proctor" && role !== "admin") {
    render(main, "Proctoring", h("p", {}, "This page is for proctors. ", h("a", { href: "/" }, "See the certifications")));
    return false;
  }
  return true;
}

/// GET with the response headers, renewing the access token as api() does.
async function getWithHeaders(path) {
  const s = session();
  if (s && s.expiresAt - Date.now() < 5_000) await refresh();
  let answer;
  try {
    answer = await apiWithHeaders(path);
  } catch (e) {
    if (e.status !== 401 || e.code !== "token_expired") throw e;
    await refresh();
    answer = await apiWithHeaders(path);
  }
  const date = Date.parse(answer.headers.get("date") || "");
  if (Number.isFinite(date)) skewMs = date - Date.now();
  return answer;
}

/// The `rel="next"` target of a Link header (a path on this server), or null.
function nextLink(headers) {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(headers.get("link") || "");
  if (!match) return null;
  const url = new URL(match[1], location.origin);
  return url.origin === location.origin ? url.pathname + url.search : null;
}

/// Runs `load` now and every few seconds while the page is shown and visible, and at
/// once when it becomes visible again; `load` returning false stops it (401, 403, 404).
/// One load at a time: `now()` during a load runs another right after it, so what is
/// shown is never older than the last change.
function poll(alive, load) {
  let busy = false;
  let again = false;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisibility);
  };
  const run = async (forced = false) => {
    if (stopped) return;
    if (!alive()) return stop();
    if (busy) {
      again = again || forced;
      return;
    }
    if (document.hidden && !forced) return;
    busy = true;
    try {
      if ((await load()) === false) stop();
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      run(true);
    }
  };
  const onVisibility = () => {
    if (!document.hidden) run();
  };
  const timer = setInterval(run, REFRESH_MS);
  document.addEventListener("visibilitychange", onVisibility);
  run();
  return { stop, now: () => run(true) };
}

/// Writes a message into a notice element; errors become alerts, the rest status lines.
function say(el, text, kind = "info") {
  el.className = `notice ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.textContent = text;
}

/// A problem line for a refreshing page: the same trouble every 5 s is said once, not
/// announced again and again; null clears it.
function reporter(region) {
  let said = "";
  return (content) => {
    const text = content === null ? "" : [content].flat().map((c) => (typeof c === "string" ? c : c.textContent)).join("");
    if (text === said) return;
    said = text;
    region.replaceChildren(...(content === null ? [] : [h("p", { class: "notice error" }, content)]));
  };
}

/// Why polling must stop, in words, or null when a later try may succeed.
function fatal(e) {
  if (e.status === 401) return ["Your session has ended. ", h("a", { href: `/sign-in?next=${encodeURIComponent(location.pathname)}` }, "Sign in again")];
  if (e.status === 403) return "The server does not let this account watch attempts: the proctoring console is for proctor accounts.";
  return null;
}

function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date(serverNow()).toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/// "12 s ago", "4 min ago", "1 h 5 min ago".
function ago(iso) {
  const s = Math.max(0, Math.round((serverNow() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.floor(m / 60)} h ${m % 60} min ago`;
}

function untilDeadline(iso) {
  const s = Math.round((Date.parse(iso) - serverNow()) / 1000);
  if (s <= 0) return "passed";
  const m = Math.ceil(s / 60);
  return m < 60 ? `in ${m} min` : `in ${Math.floor(m / 60)} h ${m % 60} min`;
}

function heartbeat(view) {
  if (!view.last_heartbeat_at) return "none yet";
  const silent = (serverNow() - Date.parse(view.last_heartbeat_at)) / 1000 > SILENT_AFTER_S;
  return silent && view.status === "in_progress"
    ? h("strong", { class: "late" }, `${ago(view.last_heartbeat_at)} (silent)`)
    : ago(view.last_heartbeat_at);
}

function flagList(flags) {
  if (!flags.length) return "none";
  return h("ul", { class: "flag-list" }, flags.map((f) => h("li", {}, words(FLAG_WORDS, f.rule))));
}

/// Replaces a container's children, keeping keyboard focus on the same item (by its
/// data-key) so that a refresh never throws a keyboard user back to the top.
function replaceKeepingFocus(container, ...children) {
  const focused = document.activeElement;
  const key = focused && container.contains(focused) ? focused.dataset.key : null;
  container.replaceChildren(...children.flat().filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}

// ---- The console ----

export function consolePage(main) {
  if (!allowed(main, "/proctor")) return undefined;
  const state = { rows: [], more: [], titles: new Map() };
  const nameFilter = h("input", { id: "filter-name", type: "search", autocomplete: "off" });
  const certFilter = h("select", { id: "filter-certification" }, h("option", { value: "" }, "All certifications"));
  const reviewToggle = h("input", { id: "show-review", type: "checkbox" });
  const updated = h("p", { id: "proctor-updated", class: "updated", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const problem = h("div", { id: "proctor-error", role: "alert" });
  const moreNote = h("p", { id: "proctor-more" });
  const list = h("div", { id: "proctor-list" });

  const show = () => replaceKeepingFocus(list, attemptsTable(state, nameFilter.value, certFilter.value, reviewToggle.checked));
  nameFilter.addEventListener("input", show);
  certFilter.addEventListener("change", show);

  render(
    main,
    "Proctoring",
    h("p", {}, "Open attempts, refreshed every 5 seconds. Select a candidate to see the timeline and act."),
    h(
      "form",
      { class: "filters", role: "search", "aria-label": "Filter the attempts", onsubmit: (e) => e.preventDefault() },
      h("p", { class: "field" }, h("label", { for: "filter-name" }, "Candidate name contains"), nameFilter),
      h("p", { class: "field" }, h("label", { for: "filter-certification" }, "Certification"), certFilter),
      h("p", { class: "field check" }, reviewToggle, h("label", { for: "show-review" }, "Also show the review queue (results held for review)")),
    ),
    updated,
    problem,
    moreNote,
    list,
  );
  loadTitles(state, certFilter);

  const report = reporter(problem);
  const load = async () => {
    const statuses = ["in_progress", "paused", ...(reviewToggle.checked ? ["pending_review"] : [])];
    try {
      const pages = await Promise.all(statuses.map((s) => getWithHeaders(`/v1/proctor/attempts?status=${s}&limit=${PAGE}`)));
      if (!list.isConnected) return false;
      state.rows = pages.flatMap((p) => p.data).sort((a, b) => a.started_at.localeCompare(b.started_at));
      state.more = statuses.filter((s, i) => nextLink(pages[i].headers));
      addCertificationOptions(certFilter, state);
      show();
      moreNote.textContent = state.more.length
        ? `More than ${PAGE} attempts are ${state.more.map(statusWord).join(" or ")}: only the ${PAGE} that started first are listed for each.`
        : "";
      updated.textContent = `Updated ${clock(new Date(serverNow()).toISOString())}`;
      report(null);
      return true;
    } catch (e) {
      const stop = fatal(e);
      report(stop || `The list could not be refreshed: ${describe(e)} It is tried again every 5 seconds.`);
      return !stop;
    }
  };
  const poller = poll(() => list.isConnected, load);
  // The toggle changes what is fetched, so it refreshes at once.
  reviewToggle.addEventListener("change", poller.now);
  return poller.stop;
}

async function loadTitles(state, select) {
  try {
    const catalog = await api("/v1/certifications", { auth: false });
    for (const c of catalog) state.titles.set(c.code, c.title);
    addCertificationOptions(select, state);
  } catch {
    // The codes alone still serve as names and filters.
  }
}

/// Adds an option for each certification not listed yet; existing options stay, so the
/// choice and an open list are not disturbed by a refresh.
function addCertificationOptions(select, state) {
  const codes = new Set([...state.titles.keys(), ...state.rows.map((r) => r.certification_code)]);
  const present = new Set([...select.options].map((o) => o.value));
  for (const code of [...codes].sort()) {
    if (present.has(code)) continue;
    const title = state.titles.get(code);
    select.append(h("option", { value: code }, title ? `${title} (${code})` : code));
  }
}

function attemptsTable(state, nameText, code, withReview) {
  const needle = nameText.trim().toLocaleLowerCase();
  const rows = state.rows.filter((r) =>
    (!code || r.certification_code === code) &&
    (!needle || r.candidate.full_name.toLocaleLowerCase().includes(needle)) &&
    (withReview || r.status !== "pending_review"));
  const count = (s) => state.rows.filter((r) => r.status === s).length;
  const summary = `${count("in_progress")} in progress, ${count("paused")} paused` +
    (withReview ? `, ${count("pending_review")} held for review` : "") +
    (rows.length !== state.rows.length ? `; ${rows.length} shown by the filters` : "");
  if (!rows.length) return h("p", { id: "proctor-empty" }, state.rows.length ? `No attempt matches the filters (${summary}).` : "No attempt is open right now.");
  const headers = ["Candidate", "Certification", "Status", "Started", "Deadline", "Last heartbeat", "Integrity score", "Flags"];
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Attempts being watched" },
    h(
      "table",
      { id: "proctor-attempts" },
      h("caption", {}, `Attempts: ${summary}`),
      h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((r) => h(
        "tr",
        { dataset: { attempt: r.attempt_id, status: r.status } },
        h("th", { scope: "row" }, h("a", { href: `/proctor/attempts/${r.attempt_id}`, "data-key": r.attempt_id }, r.candidate.full_name)),
        h("td", {}, state.titles.get(r.certification_code) ? `${state.titles.get(r.certification_code)} (${r.certification_code})` : r.certification_code),
        h("td", {}, statusWord(r.status)),
        h("td", {}, clock(r.started_at)),
        h("td", {}, r.status === "pending_review" ? "" : `${clock(r.deadline)} (${untilDeadline(r.deadline)})`),
        h("td", {}, r.status === "pending_review" ? "" : heartbeat(r)),
        h("td", {}, `${r.integrity_score} of 100`),
        h("td", {}, flagList(r.flags)),
      ))),
    ),
  );
}

// ---- One attempt ----

export function attemptPage(main, [id]) {
  if (!allowed(main, `/proctor/attempts/${id}`)) return undefined;
  const state = { view: null, gone: false, events: null, shown: "" };
  const summary = h("div", { id: "attempt-summary" }, h("p", {}, "Loading…"));
  const problem = h("div", { id: "attempt-error", role: "alert" });
  const announce = h("p", { id: "timeline-updated", class: "updated", role: "status", "aria-live": "polite" });
  const showBeats = h("input", { id: "show-heartbeats", type: "checkbox" });
  const timeline = h("div", { id: "attempt-timeline-holder" });
  const onView = (view) => {
    state.view = view;
    state.gone = false;
    showSummary(main, summary, state);
    showControls(controls, state);
  };
  let poller = null;
  const controls = controlsFor(id, onView, () => poller && poller.now());
  const drawTimeline = () => {
    const key = `${state.events.length}:${showBeats.checked}`;
    if (key === state.shown) return;
    state.shown = key;
    replaceKeepingFocus(timeline, timelineTable(state.events, showBeats.checked));
  };
  showBeats.addEventListener("change", drawTimeline);

  render(
    main,
    "Attempt",
    h("p", {}, h("a", { href: "/proctor" }, "Back to the console")),
    problem,
    h("section", { "aria-labelledby": "summary-heading" }, h("h2", { id: "summary-heading" }, "Now"), summary),
    controls.section,
    h(
      "section",
      { "aria-labelledby": "timeline-heading" },
      h("h2", { id: "timeline-heading" }, "Timeline"),
      h("p", { class: "field check" }, showBeats, h("label", { for: "show-heartbeats" }, "Show heartbeats")),
      announce,
      timeline,
    ),
  );

  const report = reporter(problem);
  const load = async () => {
    try {
      const [events, view] = await Promise.all([
        getWithHeaders(`/v1/proctor/attempts/${encodeURIComponent(id)}/events`).then((a) => a.data),
        findSummary(id),
      ]);
      if (!timeline.isConnected) return false;
      const before = state.events ? state.events.length : null;
      state.events = events;
      if (view) state.view = view;
      state.gone = !view;
      showSummary(main, summary, state);
      showControls(controls, state);
      drawTimeline();
      if (before !== null && events.length > before) {
        const n = events.length - before;
        announce.textContent = `${n} new ${n === 1 ? "event" : "events"} at ${clock(new Date(serverNow()).toISOString())}`;
      } else if (before === null) {
        announce.textContent = `Timeline loaded at ${clock(new Date(serverNow()).toISOString())}; it refreshes every 5 seconds.`;
      }
      report(null);
      return true;
    } catch (e) {
      if (e.status === 404) {
        report("There is no attempt with this id.");
        summary.replaceChildren();
        controls.section.hidden = true;
        return false;
      }
      const stop = fatal(e);
      report(stop || `The timeline could not be refreshed: ${describe(e)} It is tried again every 5 seconds.`);
      return !stop;
    }
  };
  poller = poll(() => timeline.isConnected, load);
  return poller.stop;
}

/// The attempt's console line, looked up in the console list (open and held attempts);
/// null when it is not there, that is, once it has ended.
async function findSummary(id) {
  let path = `/v1/proctor/attempts?limit=${PAGE}`;
  for (let page = 0; path && page < SUMMARY_PAGES; page++) {
    const answer = await getWithHeaders(path);
    const found = answer.data.find((a) => a.attempt_id === id);
    if (found) return found;
    path = nextLink(answer.headers);
  }
  return null;
}

function showSummary(main, target, state) {
  const v = state.view;
  if (!v) {
    target.replaceChildren(h("p", {}, "This attempt is neither open nor held for review, so the console has no summary of it; its timeline is below."));
    return;
  }
  const heading = main.querySelector("h1");
  const title = `Attempt of ${v.candidate.full_name}`;
  if (heading && heading.textContent !== title) {
    heading.textContent = title;
    document.title = `${title} · invigil`;
  }
  const ended = state.gone && (v.status === "in_progress" || v.status === "paused" || v.status === "pending_review");
  const status = ended ? "ended (it is no longer open or held; see the candidate's result)" : statusWord(v.status);
  const facts = [
    ["Candidate", v.candidate.full_name],
    ["Certification", v.certification_code],
    ["Status", h("strong", { id: "attempt-status", dataset: { status: ended ? "ended" : v.status } }, status)],
    ["Started", clock(v.started_at)],
    ["Deadline", v.status === "in_progress" || v.status === "paused" ? `${clock(v.deadline)} (${untilDeadline(v.deadline)})` : clock(v.deadline)],
    ["Last heartbeat", heartbeat(v)],
    ["Integrity score", `${v.integrity_score} of 100`],
    ["Flags", v.flags.length
      ? h("ul", { class: "flag-list" }, v.flags.map((f) => h("li", {}, `${words(FLAG_WORDS, f.rule)} (${clock(f.raised_at)})${f.detail ? `: ${f.detail}` : ""}`)))
      : "none"],
    ["Warnings sent", (v.warnings || []).length
      ? h("ul", {}, v.warnings.map((w) => h("li", {}, `${clock(w.issued_at)}: ${w.text}`)))
      : "none"],
  ];
  replaceKeepingFocus(target, h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])));
}

function timelineTable(events, withHeartbeats) {
  const beats = events.filter((e) => e.type === "heartbeat").length;
  const shown = withHeartbeats ? events : events.filter((e) => e.type !== "heartbeat");
  const caption = `${events.length} ${events.length === 1 ? "event" : "events"}, oldest first` +
    (!withHeartbeats && beats ? ` (${beats} ${beats === 1 ? "heartbeat" : "heartbeats"} not shown)` : "");
  if (!shown.length) return h("p", {}, events.length ? `${caption}.` : "No event has been reported yet.");
  let device = null;
  const rows = shown.map((e) => {
    const from = `${e.client_addr} · ${e.user_agent}`;
    // Where an event came from is shown when it changes, not on every line.
    const moved = device !== null && from !== device;
    device = from;
    return h(
      "tr",
      { dataset: { event: e.id, type: e.type } },
      h("td", {}, eventTime(e)),
      h("td", {}, words(EVENT_WORDS, e.type)),
      h("td", {}, details(e.details), moved ? h("span", { class: "moved" }, ` From another device or address: ${from}.`) : null),
    );
  });
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Events of the attempt" },
    h(
      "table",
      { id: "attempt-timeline" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ["Time", "Event", "Details"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows),
    ),
  );
}

/// When it happened as the client said; when the server got it too if that was much
/// later (events kept while the candidate was offline).
function eventTime(e) {
  const late = (Date.parse(e.received_at) - Date.parse(e.occurred_at)) / 1000;
  return late > 30 ? `${clock(e.occurred_at)} (received ${clock(e.received_at)})` : clock(e.occurred_at);
}

function details(value) {
  if (!value || typeof value !== "object" || !Object.keys(value).length) return "";
  return Object.entries(value)
    .map(([k, v]) => `${k.replace(/_/g, " ")}: ${v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join("; ");
}

// ---- Actions and review ----

const ACTIONS = [
  { action: "warn", title: "Warn the candidate", label: "Warning (the candidate sees this text)", required: true, button: "Send the warning", done: "Warning sent." },
  { action: "pause", title: "Pause the exam", label: "Note for the record (optional)", required: false, button: "Pause the exam", done: "Exam paused: the candidate's clock is stopped." },
  { action: "resume", title: "Resume the exam", label: "Note for the record (optional)", required: false, button: "Resume the exam", done: "Exam resumed: the paused time is added to the deadline." },
  {
    action: "terminate", title: "End the exam", label: "Reason (the candidate is told)", required: true, button: "Terminate the exam", done: "Exam ended.",
    confirm: "End this exam now? The candidate cannot continue and the attempt does not pass.",
  },
];

const USABLE = {
  warn: ["in_progress", "paused"],
  pause: ["in_progress"],
  resume: ["paused"],
  terminate: ["in_progress", "paused"],
};

function textareaField(id, label, attrs = {}) {
  const textarea = h("textarea", { id, name: "note", rows: 3, maxlength: 1000, ...attrs });
  return [h("p", { class: "field" }, h("label", { for: id }, label), textarea), textarea];
}

function actionForm(id, spec, onView, reload, outcome) {
  const [fieldEl, textarea] = textareaField(`note-${spec.action}`, spec.label, { required: spec.required });
  const status = h("p", { role: "status" });
  const button = h("button", { type: "submit", class: spec.action === "terminate" ? "danger" : null }, spec.button);
  const formEl = h("form", { class: "action-form", id: `action-${spec.action}`, novalidate: true, hidden: true, "aria-labelledby": `action-${spec.action}-heading` },
    h("h3", { id: `action-${spec.action}-heading` }, spec.title), fieldEl, button, status);
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = textarea.value.trim();
    if (spec.required && !note) {
      textarea.setAttribute("aria-invalid", "true");
      say(status, spec.action === "warn" ? "Write the warning the candidate will see." : "Write why the exam is ended.", "error");
      textarea.focus();
      return;
    }
    textarea.removeAttribute("aria-invalid");
    if (spec.confirm && !window.confirm(spec.confirm)) return;
    button.disabled = true;
    try {
      const view = await api(`/v1/proctor/attempts/${encodeURIComponent(id)}/actions`, {
        method: "POST",
        body: note ? { action: spec.action, note } : { action: spec.action },
      });
      textarea.value = "";
      say(status, "");
      // Said outside the form: the form may hide now that the status has changed.
      say(outcome, spec.done, "success");
      onView(view);
      if (formEl.hidden) outcome.focus();
      reload();
    } catch (e) {
      showError(status, e);
    } finally {
      button.disabled = false;
    }
  });
  return formEl;
}

function reviewForm(id, onDone, outcome, result) {
  const [noteField, textarea] = textareaField("review-note", "Note for the record (required to reject)");
  const status = h("p", { role: "status" });
  const choice = (value, label) => h("p", { class: "field check" },
    h("input", { type: "radio", name: "decision", value, id: `decision-${value}`, required: true }),
    h("label", { for: `decision-${value}` }, label));
  const formEl = h(
    "form",
    { id: "review-form", novalidate: true, hidden: true, "aria-labelledby": "review-heading" },
    h("h3", { id: "review-heading" }, "Review the held result"),
    h("fieldset", {},
      h("legend", {}, "Decision"),
      choice("approve", "Approve: the result stands, and a pass earns the certificate"),
      choice("reject", "Reject: the attempt is invalidated")),
    noteField,
    h("button", { type: "submit" }, "Record the decision"),
    status,
  );
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = new FormData(formEl).get("decision");
    const note = textarea.value.trim();
    if (!decision) return say(status, "Choose approve or reject.", "error");
    if (decision === "reject" && !note) {
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
      return say(status, "Write why the attempt is rejected.", "error");
    }
    textarea.removeAttribute("aria-invalid");
    const button = formEl.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await api(`/v1/proctor/attempts/${encodeURIComponent(id)}/review`, {
        method: "POST",
        body: note ? { decision, note } : { decision },
      });
      say(status, "");
      say(outcome, decision === "approve" ? "Approved: the result stands." : "Rejected: the attempt is invalidated.", "success");
      result.replaceChildren(h("h3", {}, "The decided result"), resultFacts(answer));
      outcome.focus();
      onDone();
    } catch (e) {
      showError(status, e);
    } finally {
      button.disabled = false;
    }
  });
  return formEl;
}

function resultFacts(r) {
  const facts = [
    ["Result", statusWord(r.status)],
    ["Score", `${r.score_percent}% (pass mark ${r.pass_mark_percent}%), ${r.points_awarded} of ${r.points_possible} points`],
    ["Passed", r.passed ? "yes" : "no"],
    ["Certificate", r.certificate ? h("a", { href: `/c/${r.certificate.number}` }, r.certificate.number) : "none"],
  ];
  return h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/// The action forms and the review form, built once (so that a refresh never wipes a
/// note being written) and shown as the attempt's status allows.
function controlsFor(id, onView, reload) {
  const outcome = h("p", { id: "action-outcome", role: "status", tabindex: "-1" });
  const result = h("div", { id: "review-result" });
  const forms = ACTIONS.map((spec) => [spec.action, actionForm(id, spec, onView, reload, outcome)]);
  const review = reviewForm(id, reload, outcome, result);
  const none = h("p", { id: "attempt-no-actions", hidden: true }, "Actions are for open attempts and reviews for held ones; this attempt is neither now.");
  const section = h(
    "section",
    { "aria-labelledby": "actions-heading", id: "attempt-actions" },
    h("h2", { id: "actions-heading" }, "Act"),
    outcome,
    result,
    none,
    h("div", { class: "action-forms" }, forms.map(([, f]) => f)),
    review,
  );
  return { section, forms, review, none };
}

/// Shows the forms that the attempt's status allows. An attempt missing from the console
/// list has ended: nothing applies to it any more.
function showControls(controls, state) {
  const status = state.view && !state.gone ? state.view.status : null;
  let any = false;
  for (const [action, f] of controls.forms) {
    f.hidden = !(status && USABLE[action].includes(status));
    any = any || !f.hidden;
  }
  controls.review.hidden = status !== "pending_review";
  controls.none.hidden = any || !controls.review.hidden;
}
