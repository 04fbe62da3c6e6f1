// The exam page: one question at a time with a navigator, the server's countdown,
// autosave through a queue that survives reloads and outages, proctoring signals, and the
// proctor's warnings, pauses and termination.

import { api, ApiError } from "../api.js";
import { navigate } from "../app.js";
import { h, render, duration, notice, showError } from "../ui.js";
import { ServerClock } from "../exam/clock.js";
import { SaveQueue } from "../exam/queue.js";
import { Signals } from "../exam/signals.js";
import { editor } from "../exam/editor.js";

const POLL_MS = 3_000;
const OPEN = new Set(["in_progress", "paused"]);
const KIND_HINT = {
  single: "Choose one answer.",
  true_false: "Choose true or false.",
  multiple: "Choose every answer that applies.",
  ordering: "Put the items in order: move each up or down.",
  lab: "Edit the file below; it is saved as you type.",
};

export async function examPage(main, [attemptId]) {
  const clock = new ServerClock();
  const copy = `invigil.attempt.${attemptId}`;
  const sentAt = Date.now();
  let attempt;
  try {
    attempt = await api(`/v1/attempts/${attemptId}`);
    clock.observe(attempt.server_time, sentAt, Date.now());
    localStorage.setItem(copy, JSON.stringify({ attempt, offsetMs: clock.offsetMs }));
  } catch (e) {
    if (e.status === 401) return navigate(`/sign-in?next=/exam/${attemptId}`, { replace: true });
    // Reloaded while offline: carry on from this device's copy; answers queue meanwhile.
    const kept = e.code === "network" && JSON.parse(localStorage.getItem(copy) || "null");
    if (!kept) throw e;
    attempt = kept.attempt;
    clock.offsetMs = kept.offsetMs;
  }
  if (!OPEN.has(attempt.status)) return navigate(`/attempts/${attemptId}`, { replace: true });
  return new Exam(main, attempt, clock).start();
}

class Exam {
  constructor(main, attempt, clock) {
    this.main = main;
    this.attempt = attempt;
    this.clock = clock;
    this.id = attempt.id;
    this.questions = [...attempt.questions].sort((a, b) => a.position - b.position);
    this.server = new Map(attempt.answers.map((a) => [a.question_id, a]));
    this.marksKey = `invigil.marks.${this.id}`;
    this.marks = new Set(JSON.parse(localStorage.getItem(this.marksKey) || "[]"));
    this.seenWarnings = Number(localStorage.getItem(`invigil.warnings.${this.id}`) || 0);
    this.current = 0;
    this.finishing = false;
    this.queue = new SaveQueue(this.id, {
      saved: (qid, answer) => this.onSaved(qid, answer),
      rejected: (qid, e) => this.onRejected(qid, e),
      closed: () => this.refresh(),
      state: (s) => this.onQueueState(s),
    });
    this.signals = new Signals(this.id, clock, (iso, a, b) => clock.observe(iso, a, b));
  }

  start() {
    this.build();
    this.show(0, false);
    this.signals.start();
    this.queue.kick();
    this.tick = setInterval(() => this.renderClock(), 250);
    this.poll = setInterval(() => this.refresh(), POLL_MS);
    this.onVisible = () => {
      if (!document.hidden) this.refresh();
    };
    document.addEventListener("visibilitychange", this.onVisible);
    this.applyStatus();
    return () => this.dispose();
  }

  dispose() {
    clearInterval(this.tick);
    clearInterval(this.poll);
    document.removeEventListener("visibilitychange", this.onVisible);
    this.signals.stop();
    this.queue.dispose();
  }

  // ---- what the candidate has answered: the server's answer, or the newer one queued

  answerOf(q) {
    const queued = this.queue.pendingFor(q.id);
    if (queued) return queued.body;
    const saved = this.server.get(q.id);
    if (!saved) return null;
    return q.kind === "lab" ? { artifact: saved.artifact } : { selected: saved.selected };
  }

  answered(q) {
    const a = this.answerOf(q);
    if (!a) return false;
    return q.kind === "lab" ? typeof a.artifact === "string" : a.selected.length > 0;
  }

  saveState(q) {
    if (this.queue.pendingFor(q.id)) return this.offline ? "kept on this device, not yet saved" : "saving…";
    return this.server.has(q.id) ? "saved" : "not answered";
  }

  // ---- layout

  build() {
    this.clockEl = h("p", { class: "countdown", id: "countdown", role: "timer", "aria-live": "off" });
    this.clockAnnounce = h("p", { class: "visually-hidden", "aria-live": "polite" });
    this.connection = h("p", { id: "connection", class: "notice", role: "status" });
    this.warningsEl = h("div", { id: "warnings" });
    this.navEl = h("ol", { class: "navigator" });
    this.questionEl = h("section", { id: "question", "aria-live": "off" });
    this.submitButton = h("button", { type: "button", id: "submit", onclick: () => this.confirmSubmit() }, "Submit the exam");
    this.overlay = h("div", { id: "overlay", class: "overlay", hidden: true });
    render(
      this.main,
      `Exam ${this.attempt.certification_code}`,
      h("div", { class: "exam-bar" }, this.clockEl, this.connection, this.submitButton),
      this.clockAnnounce,
      this.warningsEl,
      h("div", { class: "exam" },
        h("nav", { "aria-label": "Questions", class: "exam-nav" }, this.navEl),
        this.questionEl),
      this.overlay,
    );
    this.renderNav();
    this.renderClock();
  }

  renderNav() {
    this.navEl.replaceChildren(
      ...this.questions.map((q, i) => {
        const answered = this.answered(q);
        const marked = this.marks.has(q.id);
        const words = [answered ? "answered" : "unanswered", marked ? "marked for review" : null].filter(Boolean).join(", ");
        return h("li", {},
          h("button", {
            type: "button",
            class: ["qnav", answered ? "answered" : "", marked ? "marked" : ""].join(" ").trim(),
            "aria-label": `Question ${i + 1}, ${words}`,
            "aria-current": i === this.current ? "step" : null,
            onclick: () => this.show(i),
          }, String(i + 1), marked ? " ⚑" : "", answered ? " ✓" : ""));
      }),
    );
  }

  /// Shows a question; `focus` moves the keyboard and screen readers to its heading (not
  /// when the page first opens: the page's own heading has it then).
  show(index, focus = true) {
    this.current = Math.max(0, Math.min(this.questions.length - 1, index));
    const q = this.questions[this.current];
    const status = h("p", { class: "save-state", id: "save-state", role: "status" }, this.saveState(q));
    this.saveStateEl = status;
    const mark = h("input", { type: "checkbox", id: "mark", checked: this.marks.has(q.id) });
    mark.addEventListener("change", () => {
      if (mark.checked) this.marks.add(q.id);
      else this.marks.delete(q.id);
      localStorage.setItem(this.marksKey, JSON.stringify([...this.marks]));
      this.renderNav();
    });
    this.questionEl.replaceChildren(
      h("h2", { id: "question-title", tabindex: "-1" }, `Question ${this.current + 1} of ${this.questions.length}`),
      h("p", { class: "hint" }, `${q.domain} · ${q.points} ${q.points === 1 ? "point" : "points"} · ${KIND_HINT[q.kind] || ""}`),
      h("div", { class: "stem" }, q.stem),
      this.answerControls(q),
      status,
      h("p", { class: "field check" }, mark, h("label", { for: "mark" }, "Mark this question for review")),
      h("p", { class: "pager" },
        h("button", { type: "button", disabled: this.current === 0, onclick: () => this.show(this.current - 1) }, "Previous"),
        h("button", { type: "button", disabled: this.current === this.questions.length - 1, onclick: () => this.show(this.current + 1) }, "Next")),
    );
    this.renderNav();
    if (focus) this.questionEl.querySelector("h2").focus();
  }

  answerControls(q) {
    const current = this.answerOf(q);
    if (q.kind === "lab") return this.labControls(q, current);
    if (q.kind === "ordering") return this.orderingControls(q, current);
    const multiple = q.kind === "multiple";
    const chosen = new Set(current ? current.selected : []);
    const inputs = q.options.map((o, i) => {
      const id = `o-${q.id}-${i}`;
      const input = h("input", { type: multiple ? "checkbox" : "radio", name: `q-${q.id}`, id, value: o.id, checked: chosen.has(o.id) });
      input.addEventListener("change", () => {
        const selected = [...fieldset.querySelectorAll("input:checked")].map((x) => x.value);
        this.change(q, { selected });
      });
      return h("p", { class: "option" }, input, h("label", { for: id }, o.text));
    });
    const fieldset = h("fieldset", {}, h("legend", { class: "visually-hidden" }, "Answers"), inputs);
    return fieldset;
  }

  orderingControls(q, current) {
    const byId = new Map(q.options.map((o) => [o.id, o]));
    let order = current && current.selected.length === q.options.length ? [...current.selected] : q.options.map((o) => o.id);
    const list = h("ol", { class: "ordering" });
    const draw = (focusId, direction) => {
      list.replaceChildren(
        ...order.map((id, i) =>
          h("li", {},
            h("span", {}, byId.get(id).text),
            h("button", { type: "button", "aria-label": `Move “${byId.get(id).text}” up`, disabled: i === 0, dataset: { id, dir: "up" }, onclick: () => move(i, -1) }, "↑"),
            h("button", { type: "button", "aria-label": `Move “${byId.get(id).text}” down`, disabled: i === order.length - 1, dataset: { id, dir: "down" }, onclick: () => move(i, 1) }, "↓"))),
      );
      if (focusId) {
        const target = list.querySelector(`button[data-id="${CSS.escape(focusId)}"][data-dir="${direction}"]:not([disabled])`)
          || list.querySelector(`button[data-id="${CSS.escape(focusId)}"]:not([disabled])`);
        if (target) target.focus();
      }
    };
    const move = (i, by) => {
      const [item] = order.splice(i, 1);
      order.splice(i + by, 0, item);
      draw(item, by < 0 ? "up" : "down");
      this.change(q, { selected: [...order] });
    };
    draw();
    const keep = h("button", { type: "button", onclick: () => this.change(q, { selected: [...order] }) }, "Save this order as it is");
    return h("div", {}, list, current ? null : keep);
  }

  labControls(q, current) {
    const text = current && typeof current.artifact === "string" ? current.artifact : q.artifact.starter;
    let timer = null;
    const ed = editor({
      id: `lab-${q.id}`,
      label: `${q.artifact.filename} (${q.artifact.format})`,
      value: text,
      onChange: (value) => {
        // Kept on this device at every keystroke; sent once typing pauses.
        this.queue.put(q.id, { artifact: value }, false);
        this.updateState(q);
        clearTimeout(timer);
        timer = setTimeout(() => this.queue.kick(), 800);
      },
    });
    const saved = this.server.get(q.id);
    ed.showDiagnostics(saved && saved.diagnostics);
    this.labEditor = { questionId: q.id, showDiagnostics: ed.showDiagnostics };
    return ed.root;
  }

  change(q, body) {
    this.queue.put(q.id, body);
    this.updateState(q);
  }

  updateState(q) {
    if (this.questions[this.current].id === q.id && this.saveStateEl) {
      this.saveStateEl.textContent = this.saveState(q);
    }
    this.renderNav();
  }

  onSaved(qid, answer) {
    this.server.set(qid, answer);
    const q = this.questions.find((x) => x.id === qid);
    if (!q) return;
    if (this.labEditor && this.labEditor.questionId === qid && answer.diagnostics && !this.queue.pendingFor(qid)) {
      this.labEditor.showDiagnostics(answer.diagnostics);
    }
    this.updateState(q);
  }

  onRejected(qid, error) {
    const q = this.questions.find((x) => x.id === qid);
    if (q && this.questions[this.current].id === qid && this.saveStateEl) {
      showError(this.saveStateEl, error);
    }
    this.renderNav();
  }

  onQueueState({ pending, offline, retryInMs }) {
    this.offline = offline;
    const c = this.connection;
    if (offline && pending) {
      c.className = "notice error";
      c.textContent = `No connection to the server. ${pending} ${pending === 1 ? "answer is" : "answers are"} kept on this device and will be sent when the connection returns${retryInMs ? ` (next try in ${Math.ceil(retryInMs / 1000)} s)` : ""}. You can keep working.`;
    } else if (pending) {
      c.className = "notice";
      c.textContent = "Saving…";
    } else {
      c.className = "notice success";
      c.textContent = "All answers saved.";
    }
    const q = this.questions[this.current];
    if (q && this.saveStateEl) this.saveStateEl.textContent = this.saveState(q);
  }

  // ---- time and the proctor

  renderClock() {
    const a = this.attempt;
    const left = a.status === "paused" ? a.time_remaining_seconds : this.clock.secondsUntil(a.deadline);
    this.clockEl.textContent = `${a.status === "paused" ? "Paused · " : ""}Time left ${duration(left)}`;
    this.clockEl.dataset.seconds = String(Math.floor(left));
    this.clockEl.classList.toggle("low", left < 300);
    const minute = Math.ceil(left / 60);
    if ([10, 5, 1].includes(minute) && this.announced !== minute && a.status !== "paused") {
      this.announced = minute;
      this.clockAnnounce.textContent = `${minute} ${minute === 1 ? "minute" : "minutes"} left`;
    }
    if (left <= 0 && a.status === "in_progress" && !this.finishing) this.finish(true);
  }

  async refresh() {
    if (this.finishing) return;
    const sentAt = Date.now();
    let fresh;
    try {
      fresh = await api(`/v1/attempts/${this.id}`, { timeout: 10_000 });
    } catch (e) {
      if (e.status === 401) return navigate(`/sign-in?next=/exam/${this.id}`);
      return; // Offline: the queue says so; the clock runs on the last offset.
    }
    this.clock.observe(fresh.server_time, sentAt, Date.now());
    for (const a of fresh.answers) {
      if (!this.queue.pendingFor(a.question_id)) this.server.set(a.question_id, a);
    }
    const before = this.attempt.status;
    this.attempt = fresh;
    localStorage.setItem(`invigil.attempt.${this.id}`, JSON.stringify({ attempt: fresh, offsetMs: this.clock.offsetMs }));
    this.applyStatus(before);
    this.renderClock();
  }

  applyStatus(before) {
    const a = this.attempt;
    this.showWarnings(a.warnings || []);
    if (a.status === "paused") {
      this.cover("Your exam is paused",
        "A proctor has paused your exam. The clock is stopped and answers cannot be changed. Stay on this page: it continues as soon as the proctor resumes it.",
        { alert: true });
    } else if (a.status === "in_progress") {
      if (before === "paused") this.uncover();
    } else if (a.status === "terminated") {
      this.end("Your exam was ended by a proctor",
        "A proctor ended this attempt. It does not count as a pass. The proctor's note has been sent to you by e-mail.");
    } else {
      this.leave();
    }
  }

  showWarnings(warnings) {
    if (warnings.length <= this.seenWarnings) return;
    const fresh = warnings.slice(this.seenWarnings);
    const box = h("div", { class: "notice warning", role: "alert", id: "proctor-warning" },
      h("h2", {}, "A message from your proctor"),
      fresh.map((w) => h("p", {}, w.text)),
      h("button", {
        type: "button",
        onclick: () => {
          this.seenWarnings = warnings.length;
          localStorage.setItem(`invigil.warnings.${this.id}`, String(warnings.length));
          box.remove();
          this.questionEl.querySelector("h2")?.focus?.();
        },
      }, "I understand"));
    this.warningsEl.replaceChildren(box);
  }

  cover(title, text, { alert = false, actions = [] } = {}) {
    const heading = h("h2", { id: "overlay-title", tabindex: "-1" }, title);
    this.overlay.replaceChildren(h("div", {
      class: "overlay-box",
      role: alert ? "alertdialog" : "dialog",
      "aria-modal": "true",
      "aria-labelledby": "overlay-title",
    }, heading, h("p", {}, text), actions));
    this.overlay.hidden = false;
    this.main.querySelector(".exam").inert = true;
    heading.focus();
  }

  uncover() {
    this.overlay.hidden = true;
    this.overlay.replaceChildren();
    this.main.querySelector(".exam").inert = false;
    this.questionEl.querySelector("h2")?.setAttribute("tabindex", "-1");
    this.questionEl.querySelector("h2")?.focus();
  }

  end(title, text) {
    this.dispose();
    this.forget();
    this.cover(title, text, { alert: true, actions: [h("p", {}, h("a", { href: "/attempts" }, "Your exams"))] });
    this.submitButton.disabled = true;
  }

  leave() {
    this.dispose();
    navigate(`/attempts/${this.id}`, { replace: true });
  }

  /// Forgets what this device kept of the attempt once it is over.
  forget() {
    this.queue.clear();
    this.signals.clear();
    for (const kind of ["marks", "attempt", "warnings"]) localStorage.removeItem(`invigil.${kind}.${this.id}`);
  }

  // ---- submitting

  confirmSubmit() {
    const unanswered = this.questions.map((q, i) => [q, i]).filter(([q]) => !this.answered(q));
    const marked = this.questions.map((q, i) => [q, i]).filter(([q]) => this.marks.has(q.id));
    const goTo = (i) => () => {
      dialog.close();
      this.show(i);
    };
    const list = (items) => h("ul", { class: "inline" }, items.map(([, i]) => h("li", {}, h("button", { type: "button", class: "link", onclick: goTo(i) }, `Question ${i + 1}`))));
    const status = notice();
    const dialog = h("dialog", { "aria-labelledby": "submit-title", id: "submit-dialog" },
      h("h2", { id: "submit-title" }, "Submit the exam?"),
      h("p", {}, "After you submit, answers cannot be changed."),
      unanswered.length ? [h("p", {}, `${unanswered.length} ${unanswered.length === 1 ? "question is" : "questions are"} not answered:`), list(unanswered)] : h("p", {}, "Every question is answered."),
      marked.length ? [h("p", {}, `${marked.length} marked for review:`), list(marked)] : null,
      status,
      h("p", { class: "pager" },
        h("button", { type: "button", onclick: () => dialog.close() }, "Back to the exam"),
        h("button", { type: "button", id: "confirm-submit", class: "primary", onclick: () => this.finish(false, status) }, "Submit now")));
    dialog.addEventListener("close", () => dialog.remove());
    this.main.append(dialog);
    dialog.showModal();
  }

  /// Submits once every queued answer is on the server. At the deadline (`timeUp`) the
  /// queue has the grace period to drain; the server finalises the attempt anyway.
  async finish(timeUp, status) {
    if (this.finishing) return;
    this.finishing = true;
    if (timeUp) this.cover("Time is up", "Your answers are being submitted…", { alert: true });
    const drained = await this.queue.drained(timeUp ? 12_000 : 8_000);
    if (!drained && !timeUp) {
      this.finishing = false;
      if (status) {
        status.className = "notice error";
        status.setAttribute("role", "alert");
        status.textContent = "Some answers are not yet on the server. Submit again when the connection returns; they are kept on this device meanwhile.";
      }
      return;
    }
    try {
      await api(`/v1/attempts/${this.id}/submit`, { method: "POST", body: {}, timeout: 20_000 });
    } catch (e) {
      if (!(e instanceof ApiError) || (e.transient && !timeUp)) {
        this.finishing = false;
        if (status) showError(status, e);
        return;
      }
      // Closed already (expired or terminated): the result page says what happened.
    }
    this.dispose();
    this.forget();
    navigate(`/attempts/${this.id}`, { replace: true });
  }
}

