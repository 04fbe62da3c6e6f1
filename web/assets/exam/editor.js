// A lab's file editor: a textarea with line numbers beside it, Tab indenting by two
// spaces (Escape first lets Tab leave the editor, so the keyboard is never trapped), and
// the server's syntax diagnostics listed and marked at their lines.

import { h } from "../ui.js";

export function editor({ id, label, value, onChange }) {
  const gutter = h("pre", { class: "gutter", "aria-hidden": "true" });
  const area = h("textarea", {
    id,
    class: "code",
    spellcheck: "false",
    autocapitalize: "off",
    autocomplete: "off",
    wrap: "off",
    rows: 18,
    "aria-describedby": `${id}-help ${id}-diagnostics`,
  });
  area.value = value;
  const diagnostics = h("ul", { id: `${id}-diagnostics`, class: "diagnostics", "aria-live": "polite" });
  let escaped = false;

  const numbers = () => {
    const lines = area.value.split("\n").length;
    gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join("\n");
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener("input", () => {
    numbers();
    onChange(area.value);
  });
  area.addEventListener("scroll", () => {
    gutter.scrollTop = area.scrollTop;
  });
  area.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      escaped = true;
      return;
    }
    if (event.key === "Tab" && !escaped && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end } = area;
      if (event.shiftKey) {
        const lineStart = area.value.lastIndexOf("\n", start - 1) + 1;
        if (area.value.startsWith("  ", lineStart)) {
          area.setRangeText("", lineStart, lineStart + 2, "preserve");
        }
      } else {
        area.setRangeText("  ", start, end, "end");
      }
      area.dispatchEvent(new Event("input"));
      return;
    }
    escaped = false;
  });
  numbers();

  const show = (list) => {
    diagnostics.replaceChildren(
      ...(list || []).map((d) =>
        h("li", {}, h("button", {
          type: "button",
          class: "link",
          onclick: () => goTo(area, d.line, d.column),
        }, `Line ${d.line}, column ${d.column}: ${d.message}`)),
      ),
    );
    const marked = new Set((list || []).map((d) => d.line));
    gutter.textContent = area.value
      .split("\n")
      .map((_, i) => (marked.has(i + 1) ? `⚠ ${i + 1}` : String(i + 1)))
      .join("\n");
  };

  const root = h("div", { class: "lab" },
    h("label", { for: id }, label),
    h("p", { id: `${id}-help`, class: "hint" }, "Tab indents; press Escape, then Tab, to leave the editor."),
    h("div", { class: "editor" }, gutter, area),
    diagnostics);
  return { root, area, showDiagnostics: show };
}

function goTo(area, line, column) {
  const lines = area.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset);
}
