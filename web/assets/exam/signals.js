// Proctoring signals, named as the API names them: a heartbeat every 15 s, focus lost and
// regained, leaving full screen, copy and paste, and the network going and coming back.
// Events wait in localStorage while the server cannot be reached (`network_offline` can
// only arrive once the network is back), each with the time it happened.

import { api } from "../api.js";

export const HEARTBEAT_MS = 15_000;

export class Signals {
  /// `onAnswer(serverIso, sentAt, receivedAt)` is told of every acknowledged event, to
  /// keep the clock in step.
  constructor(attemptId, clock, onAnswer) {
    this.attemptId = attemptId;
    this.key = `invigil.events.${attemptId}`;
    this.clock = clock;
    this.onAnswer = onAnswer;
    this.sending = false;
    this.listeners = [];
    this.focused = document.hasFocus();
  }

  start() {
    const on = (target, type, fn) => {
      target.addEventListener(type, fn);
      this.listeners.push([target, type, fn]);
    };
    const lost = () => {
      if (this.focused) this.record("focus_lost", { visibility: document.visibilityState });
      this.focused = false;
    };
    const regained = () => {
      if (!this.focused && document.visibilityState === "visible" && document.hasFocus()) {
        this.focused = true;
        this.record("focus_regained", {});
      }
    };
    on(window, "blur", lost);
    on(window, "focus", regained);
    on(document, "visibilitychange", () => (document.hidden ? lost() : regained()));
    on(document, "fullscreenchange", () => {
      if (!document.fullscreenElement) this.record("fullscreen_exit", {});
    });
    on(document, "copy", () => this.record("copy", {}));
    on(document, "paste", () => this.record("paste", {}));
    on(window, "offline", () => this.record("network_offline", {}));
    on(window, "online", () => this.record("network_online", {}));
    this.heartbeat = setInterval(() => this.record("heartbeat", {}), HEARTBEAT_MS);
    this.record("heartbeat", {});
  }

  stop() {
    clearInterval(this.heartbeat);
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners = [];
  }

  record(type, details) {
    const pending = this.pending();
    // Heartbeats that could not be sent are not worth sending late: keep the last one.
    const kept = type === "heartbeat" ? pending.filter((e) => e.type !== "heartbeat") : pending;
    kept.push({ type, occurred_at: new Date(this.clock.now()).toISOString(), details });
    localStorage.setItem(this.key, JSON.stringify(kept.slice(-200)));
    this.send();
  }

  pending() {
    try {
      return JSON.parse(localStorage.getItem(this.key)) || [];
    } catch {
      return [];
    }
  }

  async send() {
    if (this.sending) return;
    this.sending = true;
    try {
      for (;;) {
        const [next] = this.pending();
        if (!next) break;
        const sentAt = Date.now();
        try {
          const ack = await api(`/v1/attempts/${this.attemptId}/events`, {
            method: "POST",
            body: next,
            timeout: 10_000,
          });
          if (ack && ack.received_at) this.onAnswer(ack.received_at, sentAt, Date.now());
        } catch (e) {
          if (e.transient) break;
        }
        const rest = this.pending();
        rest.shift();
        localStorage.setItem(this.key, JSON.stringify(rest));
      }
    } finally {
      this.sending = false;
    }
  }

  clear() {
    localStorage.removeItem(this.key);
  }
}
