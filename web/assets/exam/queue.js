// Answers not yet acknowledged by the server, kept in localStorage so that a reload or a
// closed laptop loses nothing. Sent one at a time, oldest change first; a newer change of
// the same question replaces the older one still waiting. A failure that may pass
// (offline, 5xx, 429, timeout) is retried with backoff; an entry leaves the queue only
// after the server's 200.

import { api } from "../api.js";

const MAX_BACKOFF_MS = 30_000;

export class SaveQueue {
  /// `handlers`: saved(questionId, answer, body), rejected(questionId, error),
  /// closed(error), state({pending, offline, retryInMs}).
  constructor(attemptId, handlers) {
    this.key = `invigil.queue.${attemptId}`;
    this.attemptId = attemptId;
    this.handlers = handlers;
    this.failures = 0;
    this.running = false;
    this.timer = null;
    this.stopped = false;
    this.onOnline = () => this.kick();
    window.addEventListener("online", this.onOnline);
  }

  entries() {
    try {
      return JSON.parse(localStorage.getItem(this.key)) || [];
    } catch {
      return [];
    }
  }

  write(entries) {
    localStorage.setItem(this.key, JSON.stringify(entries));
  }

  pendingFor(questionId) {
    return this.entries().find((e) => e.question_id === questionId) || null;
  }

  /// Queues `body` for `questionId` and starts sending (or only keeps it, for a file still
  /// being typed: `send` false; the next kick sends it).
  put(questionId, body, send = true) {
    const seq = Date.now() + Math.random();
    const entries = this.entries().filter((e) => e.question_id !== questionId);
    entries.push({ question_id: questionId, body, seq });
    this.write(entries);
    this.report();
    if (send) this.kick();
  }

  kick() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.failures = Math.min(this.failures, 1);
    this.flush();
  }

  report(retryInMs = 0) {
    this.handlers.state({
      pending: this.entries().length,
      offline: this.failures > 0,
      retryInMs,
    });
  }

  async flush() {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (;;) {
        const [next] = this.entries();
        if (!next) break;
        let answer;
        try {
          answer = await api(
            `/v1/attempts/${this.attemptId}/answers/${encodeURIComponent(next.question_id)}`,
            { method: "PUT", body: next.body, timeout: 10_000 },
          );
        } catch (e) {
          if (e.transient || e.code === "attempt_paused") {
            this.failures += 1;
            const wait = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(this.failures - 1, 5));
            this.report(wait);
            this.timer = setTimeout(() => {
              this.timer = null;
              this.flush();
            }, wait);
            return;
          }
          // Refused for good: the exam is closed, or this answer is not valid.
          this.remove(next.seq);
          if (e.code === "attempt_closed" || e.status === 404) {
            this.stopped = true;
            this.handlers.closed(e);
            return;
          }
          this.handlers.rejected(next.question_id, e);
          continue;
        }
        this.failures = 0;
        this.remove(next.seq);
        this.handlers.saved(next.question_id, answer, next.body);
      }
    } finally {
      this.running = false;
      if (!this.timer) this.report();
    }
  }

  /// Removes an entry only if it is still the change that was sent: a newer change of
  /// the same question made meanwhile stays queued.
  remove(seq) {
    this.write(this.entries().filter((e) => e.seq !== seq));
  }

  /// Resolves once nothing is waiting, or after `ms`.
  async drained(ms) {
    const until = Date.now() + ms;
    this.kick();
    while (this.entries().length && Date.now() < until && !this.stopped) {
      await new Promise((r) => setTimeout(r, 200));
    }
    return this.entries().length === 0;
  }

  dispose() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.onOnline);
  }

  /// Forgets the queue once the attempt is over.
  clear() {
    localStorage.removeItem(this.key);
  }
}
