// Small helpers for building pages without a framework: elements, messages, forms, dates.

/// h("p", {class: "x", onclick: f}, "text", child…): an element; attributes starting with
/// "on" become listeners; null and false children are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/// Replaces the page's content and title, and moves focus to the heading so that screen
/// readers announce the new page.
export function render(main, title, ...children) {
  document.title = title ? `${title} · invigil` : "invigil";
  main.replaceChildren();
  const heading = h("h1", { tabindex: "-1" }, title);
  append(main, [heading, ...children]);
  heading.focus({ preventScroll: true });
  return main;
}

/// A status line that screen readers read out when it changes.
export function notice(text = "", kind = "info") {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function showError(target, error) {
  target.className = "notice error";
  target.setAttribute("role", "alert");
  target.textContent = describe(error);
}

export function describe(error) {
  if (!error) return "";
  if (error.code === "network") return "The server cannot be reached. Check the connection and try again.";
  return error.message || String(error);
}

/// A labelled input; returns [wrapper, input].
export function field(label, attrs) {
  const id = attrs.id || "f-" + attrs.name;
  const input = h("input", { ...attrs, id });
  return [h("p", { class: "field" }, h("label", { for: id }, label), input), input];
}

/// A form whose submit button is disabled while `onsubmit(values)` runs; its error shows
/// under the form.
export function form(fields, submitLabel, onsubmit) {
  const status = notice();
  const button = h("button", { type: "submit" }, submitLabel);
  const el = h("form", { novalidate: false }, fields, button, status);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(el).entries());
    button.disabled = true;
    status.className = "notice";
    status.textContent = "";
    try {
      await onsubmit(values, status);
    } catch (e) {
      showError(status, e);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function date(iso) {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? iso + "T00:00:00Z" : iso);
  return d.toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
}

export function dateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/// "1:05:09" or "4:07" from seconds.
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export function link(href, text, attrs = {}) {
  return h("a", { href, ...attrs }, text);
}

export function table(headers, rows, caption) {
  return h(
    "table",
    {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))),
  );
}

export const STATUS_WORDS = {
  in_progress: "in progress",
  paused: "paused by a proctor",
  submitted: "submitted",
  expired: "time ran out",
  terminated: "ended by a proctor",
  passed: "passed",
  failed: "not passed",
  pending_review: "held for review",
  invalidated: "invalidated after review",
  active: "active",
  renewal_due: "active, renewal due",
  revoked: "revoked",
};

export function statusWord(status) {
  return STATUS_WORDS[status] || status;
}
