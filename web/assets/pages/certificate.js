// The public certificate page at /c/{number}: what the register says about a certificate
// right now, its signed credential to keep, a LinkedIn entry and a printable page. The
// number reading and the status wording live here too, shared with the checking pages.

import { api } from "../api.js";
import { h, render, notice, showError, date, dateTime, describe } from "../ui.js";

export const PROGRAM_NAME = "Certified MLOps Architect program";

// The certificate number, as src/domain/certificate.rs reads it: PREFIX-XXXX-XXXX-C, the
// groups in Crockford base32, C a check character over 0-9A-Z (weights 2^k mod 37).
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUP = 4;
// Rust's char::is_whitespace (Unicode White_Space): the page drops exactly what the server
// drops, no more (JavaScript's \s would also drop U+FEFF).
const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g;
// Dashes that word processors and PDFs print for a typed hyphen. The server wants "-"
// itself; reading these too costs nothing, since the canonical form is what is sent.
const DASHES = /[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g;
const LOOKALIKES = { O: "0", I: "1", L: "1" };

const readLookalike = (c) => LOOKALIKES[c] || c;

function pow2mod37(k) {
  let acc = 1;
  for (let i = 0; i < k; i++) acc = (acc * 2) % 37;
  return acc;
}

/// The check character of an alphanumeric payload, or null when it would be a 37th symbol
/// (such payloads are never issued).
function checkChar(payload) {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    const value = ALPHABET.indexOf(payload[i]);
    if (value < 0) return null;
    sum += value * pow2mod37(payload.length - i);
  }
  const check = (37 - (sum % 37)) % 37;
  return check < 36 ? ALPHABET[check] : null;
}

/// A random group as typed, with O read as 0 and I, L as 1; null if it is not four
/// Crockford characters.
function readGroup(typed) {
  if (typed.length !== GROUP) return null;
  const group = [...typed].map(readLookalike).join("");
  return [...group].every((c) => CROCKFORD.includes(c)) ? group : null;
}

/// Reads a number as a person types it from paper, like CertificateNumber::parse: case,
/// spaces, all three hyphens or none, and O/I/L for 0/1 after the prefix may vary. Returns
/// {number} in canonical form, or {reason: "shape" | "check"}.
export function readNumber(raw) {
  const typed = String(raw ?? "").replace(DASHES, "-").replace(WHITESPACE, "");
  if (!typed || !/^[\x00-\x7f]*$/.test(typed)) return { reason: "shape" };
  const upper = typed.toUpperCase();
  let parts;
  if (upper.includes("-")) {
    parts = upper.split("-");
    if (parts.length !== 4) return { reason: "shape" };
  } else {
    // Without hyphens the parts are counted from the right; the prefix is the rest.
    const p = upper.length - 1 - 2 * GROUP;
    if (p < 0) return { reason: "shape" };
    parts = [upper.slice(0, p), upper.slice(p, p + GROUP), upper.slice(p + GROUP, p + 2 * GROUP), upper.slice(p + 2 * GROUP)];
  }
  const [prefix, typedA, typedB, typedCheck] = parts;
  const a = readGroup(typedA);
  const b = readGroup(typedB);
  if (prefix.length < 2 || prefix.length > 16 || !/^[A-Z0-9]+$/.test(prefix) || !a || !b || typedCheck.length !== 1) {
    return { reason: "shape" };
  }
  const expected = checkChar(prefix + a + b);
  // An older number's check may itself be O, I or L, so the check is taken as printed or
  // as the digit it looks like.
  if (!expected || (typedCheck !== expected && readLookalike(typedCheck) !== expected)) return { reason: "check" };
  return { number: `${prefix}-${a}-${b}-${expected}` };
}

export const NUMBER_SHAPE_WRONG =
  "This is not a certificate number: it reads like MLOAF-7K3Q-9XPR-3, the certification's code, two groups of four characters and a check character.";
export const CHECK_WRONG =
  "The check character (the last one) does not match the rest of the number, so a character is probably mistyped. Compare it with the certificate.";

const STATUS = {
  active: { word: "Active", mark: "✓", tell: (v) => `valid until ${date(v.expires_on)}` },
  renewal_due: {
    word: "Active, renewal due",
    mark: "!",
    tell: (v) => `valid until ${date(v.expires_on)}; renewal has been open since ${date(v.renewal_opens_on)}`,
  },
  expired: { word: "Expired", mark: "✗", tell: (v) => `it was valid until ${date(v.expires_on)}` },
  revoked: { word: "Revoked", mark: "✗", tell: () => "the program has withdrawn this certificate and it is not valid" },
};

/// A certificate status in words ("Active, renewal due").
export function certificateStatus(status) {
  return (STATUS[status] && STATUS[status].word) || String(status || "");
}

/// The status line: a mark, the word and what it means, so colour is never the only sign.
export function statusBadge(v, id) {
  const s = STATUS[v.status];
  return h(
    "p",
    { class: `status-badge status-${v.status}`, id, dataset: { status: v.status } },
    h("span", { class: "status-mark", "aria-hidden": "true" }, s ? s.mark : "?"),
    h("strong", {}, `Status: ${certificateStatus(v.status)}`),
    s ? ` — ${s.tell(v)}.` : "",
  );
}

function capitalised(word) {
  return word ? word[0].toUpperCase() + word.slice(1) : "";
}

/// The register's facts about a certificate (a verification answer or credential claims).
export function verificationFacts(v) {
  const rows = [
    ["Holder", v.holder_name],
    ["Certification", `${v.certification_title} (${v.certification_code})`],
    ["Level", capitalised(v.level)],
    ["Certificate number", v.number],
    ["Issued on", date(v.issued_on)],
    ["Expires on", date(v.expires_on)],
    v.renewal_opens_on ? ["Renewal opens on", date(v.renewal_opens_on)] : null,
  ];
  return h("dl", { class: "facts" }, rows.filter(Boolean).map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/// Writes a message into a notice element; errors become alerts, the rest status lines.
export function say(el, content, kind = "info") {
  el.className = `notice ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.replaceChildren(...[content].flat().filter((c) => c !== null && c !== undefined));
}

/// Saves text as a file through a Blob URL (no server round trip, no inline script).
export function saveText(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function publicPage(main, [raw]) {
  const read = readNumber(raw);
  const number = read.number || raw;
  // The page's address says the number as printed, whatever was typed into it.
  if (read.number && read.number !== raw) history.replaceState(null, "", `/c/${read.number}`);
  render(main, `Certificate ${number}`, notice("Checking the register…"));
  let v;
  try {
    v = await api(`/v1/verify/${encodeURIComponent(number)}`, { auth: false });
  } catch (e) {
    return notFound(main, number, read, e);
  }
  render(
    main,
    `Certificate ${v.number}`,
    h(
      "article",
      { class: "cert", "aria-labelledby": "cert-holder", id: "certificate" },
      h("p", { class: "cert-program" }, PROGRAM_NAME),
      h("p", { class: "cert-holder", id: "cert-holder" }, v.holder_name),
      h("p", { class: "cert-holds" }, "holds the certification"),
      h("p", { class: "cert-title" }, `${v.certification_title} (${v.certification_code})`),
      statusBadge(v, "certificate-status"),
      h("p", { class: "cert-checked" }, `Checked just now against the register (${dateTime(new Date().toISOString())}).`),
      verificationFacts(v),
    ),
    actions(v),
  );
}

function notFound(main, number, read, e) {
  let title = "This certificate could not be checked";
  let text = describe(e);
  if (e.status === 404) {
    title = "No certificate has this number";
    text = `The register has no certificate numbered ${number}. Compare the number with the certificate.`;
  } else if (e.status === 400 && e.code === "malformed_number") {
    title = "This certificate number is not valid";
    text = read.reason === "shape" ? NUMBER_SHAPE_WRONG : CHECK_WRONG;
  } else if (e.status === 429) {
    text = "Too many checks came from this address in the last minute. Wait a minute, then reload the page.";
  }
  render(
    main,
    title,
    h("p", { class: "notice error", role: "alert", id: "certificate-problem" }, text),
    h("p", {}, h("a", { href: "/verify" }, "Check another number")),
  );
}

function actions(v) {
  const status = h("p", { id: "credential-download-status", role: "status" });
  const revoked = v.status === "revoked";
  const current = v.status === "active" || v.status === "renewal_due";
  const download = h("button", { type: "button", id: "credential-download" }, "Download the signed credential");
  download.addEventListener("click", () => downloadCredential(v.number, download, status));
  return h(
    "section",
    { class: "cert-actions no-print", "aria-labelledby": "cert-actions-heading" },
    h("h2", { id: "cert-actions-heading" }, "Keep or share this certificate"),
    h(
      "div",
      { class: "actions" },
      revoked ? null : download,
      h("button", { type: "button", id: "certificate-print", onclick: () => window.print() }, "Print"),
      current
        ? h("a", { href: linkedInUrl(v), target: "_blank", rel: "noopener", id: "linkedin-add" }, "Add to LinkedIn profile (opens in a new tab)")
        : null,
    ),
    status,
    revoked
      ? h("p", {}, "A revoked certificate has no signed credential.")
      : h(
          "p",
          {},
          "The signed credential is a file that proves this certificate without asking us: ",
          h("a", { href: "/verify?credential" }, "check a signed credential"),
          ", even offline.",
        ),
  );
}

async function downloadCredential(number, button, status) {
  button.disabled = true;
  say(status, "Fetching the signed credential…");
  try {
    const { credential } = await api(`/v1/certificates/${encodeURIComponent(number)}/credential`, { auth: false });
    saveText(`${number}.jwt`, credential, "application/jwt");
    say(status, `Saved as ${number}.jwt.`, "success");
  } catch (e) {
    if (e.status === 410) say(status, "This certificate has been revoked, so no signed credential is issued for it.", "error");
    else showError(status, e);
  } finally {
    button.disabled = false;
  }
}

/// LinkedIn's "add a certification" form, filled in.
function linkedInUrl(v) {
  const [issueYear, issueMonth] = v.issued_on.split("-");
  const [expirationYear, expirationMonth] = v.expires_on.split("-");
  const query = new URLSearchParams({
    startTask: "CERTIFICATION_NAME",
    name: v.certification_title,
    organizationName: PROGRAM_NAME,
    issueYear,
    issueMonth: String(Number(issueMonth)),
    expirationYear,
    expirationMonth: String(Number(expirationMonth)),
    certId: v.number,
    certUrl: `${location.origin}/c/${v.number}`,
  });
  return `https://www.linkedin.com/profile/add?${query}`;
}
