// Checking certificates: by number against the live register, from a signed credential
// in the browser (offline once the program's keys are saved), and in bulk for partners
// with an API key.

import { api } from "../api.js";
import { h, render, date, dateTime, describe } from "../ui.js";
import {
  readNumber, statusBadge, verificationFacts, certificateStatus, say, NUMBER_SHAPE_WRONG, CHECK_WRONG, PROGRAM_NAME,
} from "./certificate.js";

const JWKS_CACHE = "invigil.jwks";
const PARTNER_KEY = "invigil.partnerKey";
const BATCH = 100;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

export function verifyPage(main, params, query) {
  const byNumber = numberChecker(query.get("number") || "");
  const byCredential = credentialChecker(query.get("credential") || "");
  render(
    main,
    "Check a certificate",
    h("p", {}, `Check a certificate of the ${PROGRAM_NAME}: by its number against the live register, or from its signed credential, which this page checks in your browser.`),
    h("p", {}, "Checking many numbers for an organisation? Use the ", h("a", { href: "/partner" }, "partner check"), "."),
    byNumber.section,
    byCredential.section,
  );
  // Saved now, so that a credential can be checked later without a connection.
  refreshKeys().catch(() => {});
  if (query.get("number")) byNumber.run();
  if (query.get("credential")) byCredential.run();
  else if (query.has("credential")) byCredential.heading.focus();
}

// ---- By number ----

function numberChecker(initial) {
  const input = h("input", {
    id: "number", name: "number", type: "text", autocomplete: "off", spellcheck: "false",
    autocapitalize: "characters", required: true, "aria-describedby": "number-hint",
  });
  input.value = initial;
  const result = h("div", { id: "number-result", class: "result", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Check the number");
  const formEl = h(
    "form",
    { novalidate: true },
    h(
      "p",
      { class: "field" },
      h("label", { for: "number" }, "Certificate number"),
      h("span", { class: "hint", id: "number-hint" }, "For example MLOAF-7K3Q-9XPR-3. Lower case and spaces are fine, and so are O for 0 and I or L for 1."),
      input,
    ),
    button,
  );
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    checkNumber(input, button, result);
  });
  const section = h(
    "section",
    { "aria-labelledby": "check-number" },
    h("h2", { id: "check-number" }, "Check a number"),
    formEl,
    result,
  );
  return { section, run: () => checkNumber(input, button, result) };
}

function showNumber(result, state, ...content) {
  result.dataset.state = state;
  result.replaceChildren(...content.flat().filter(Boolean));
}

function numberProblem(input, result, text, state) {
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", "number-hint number-result");
  showNumber(result, state, h("p", { class: "notice error" }, text));
}

async function checkNumber(input, button, result) {
  const typed = input.value;
  if (!typed.trim()) return numberProblem(input, result, "Type a certificate number.", "empty");
  const read = readNumber(typed);
  if (!read.number) {
    return numberProblem(input, result, read.reason === "check" ? CHECK_WRONG : NUMBER_SHAPE_WRONG, "malformed");
  }
  input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", "number-hint");
  button.disabled = true;
  showNumber(result, "checking", h("p", {}, `Checking ${read.number} against the register…`));
  try {
    const v = await api(`/v1/verify/${encodeURIComponent(read.number)}`, { auth: false });
    const asTyped = typed.trim().toUpperCase();
    showNumber(
      result,
      "found",
      asTyped !== v.number ? h("p", {}, `Read as ${v.number}.`) : null,
      statusBadge(v),
      h("p", {}, "Checked just now against the register."),
      verificationFacts(v),
      h("p", {}, h("a", { href: `/c/${v.number}` }, `Open the certificate page of ${v.number}`)),
    );
  } catch (e) {
    if (e.status === 404) {
      showNumber(result, "not-found", h("p", { class: "notice error" }, `No certificate has the number ${read.number}. Compare the number with the certificate.`));
    } else if (e.status === 400 && e.code === "malformed_number") {
      numberProblem(input, result, CHECK_WRONG, "malformed");
    } else {
      showNumber(result, "error", h("p", { class: "notice error" }, lookupTrouble(e)));
    }
  } finally {
    button.disabled = false;
  }
}

function lookupTrouble(e) {
  if (e.status === 429) return "Too many checks came from this address in the last minute. Wait a minute and try again.";
  return describe(e);
}

// ---- From a signed credential ----

function credentialChecker(initial) {
  const textarea = h("textarea", {
    id: "credential", name: "credential", rows: 5, spellcheck: "false", autocomplete: "off",
    "aria-describedby": "credential-hint",
  });
  textarea.value = initial;
  const file = h("input", { id: "credential-file", type: "file", accept: ".jwt,.txt,application/jwt,text/plain" });
  const fileNote = h("p", { class: "hint", role: "status" });
  const result = h("div", { id: "credential-result", class: "result", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, "Check the credential");
  const heading = h("h2", { id: "check-credential", tabindex: "-1" }, "Check a signed credential offline");
  let runs = 0;
  const run = async () => {
    // Only the newest check may write its result.
    const mine = ++runs;
    button.disabled = true;
    try {
      await checkCredential(textarea.value, result, () => mine === runs);
    } finally {
      button.disabled = false;
    }
  };
  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (chosen.size > 64 * 1024) {
      say(fileNote, `${chosen.name} is too large to be a credential.`, "error");
      return;
    }
    textarea.value = (await chosen.text()).trim();
    say(fileNote, `Loaded ${chosen.name}.`);
    run();
  });
  const formEl = h(
    "form",
    { novalidate: true },
    h(
      "p",
      { class: "field" },
      h("label", { for: "credential" }, "Signed credential"),
      h("span", { class: "hint", id: "credential-hint" }, "Paste the credential: three parts of letters and digits separated by dots (the contents of a .jwt file)."),
      textarea,
    ),
    h("p", { class: "field" }, h("label", { for: "credential-file" }, "Or load a .jwt file"), file),
    fileNote,
    button,
  );
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  const section = h(
    "section",
    { "aria-labelledby": "check-credential" },
    heading,
    h("p", {}, "The signature is checked in this browser with the program's public keys, which are saved on this device so that later checks work without a connection."),
    formEl,
    result,
  );
  return { section, heading, run };
}

async function checkCredential(raw, result, current) {
  delete result.dataset.valid;
  result.replaceChildren(h("p", {}, "Checking the signature…"));
  const outcome = await examine(raw);
  if (!current()) return;
  result.dataset.valid = String(outcome.valid);
  result.dataset.reason = outcome.reason;
  const live = h("div", { class: "live-status" });
  const claims = outcome.claims && typeof outcome.claims === "object" ? claimsPart(outcome) : [];
  result.replaceChildren(...verdict(outcome), ...claims.filter(Boolean), live);
  const number = outcome.claims && outcome.claims.number;
  if (outcome.valid && typeof number === "string") await liveStatus(live, number);
  else if (typeof number === "string") {
    live.append(h("p", {}, "The register can still say whether a certificate has this number: ", h("a", { href: `/verify?number=${encodeURIComponent(number)}` }, `check ${number}`), "."));
  }
}

const NOT_VALID = "Signature NOT valid — this credential was altered or not issued by this program";

/// What a pasted credential proves: {valid, reason, why, claims, header, keys}.
async function examine(raw) {
  const compact = compactForm(raw);
  const parts = compact.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    return { valid: false, reason: "malformed", why: "This is not a signed credential: one has three parts of letters, digits, - and _ separated by dots." };
  }
  let header;
  let claims;
  try {
    header = JSON.parse(utf8(base64url(parts[0])));
    claims = JSON.parse(utf8(base64url(parts[1])));
  } catch {
    return { valid: false, reason: "malformed", why: "This credential cannot be read: its header or claims are not valid JSON." };
  }
  const seen = { header, claims };
  if (header.alg !== "EdDSA") {
    return { ...seen, valid: false, reason: "alg", why: `It is signed with ${JSON.stringify(header.alg)}; this program signs only with EdDSA.` };
  }
  if (!globalThis.crypto || !crypto.subtle) {
    return { ...seen, valid: false, reason: "unsupported", why: "This browser offers no WebCrypto here (it needs a secure, HTTPS page), so it cannot check the signature. Check the number instead." };
  }
  let keys;
  try {
    keys = await loadKeys();
  } catch (e) {
    return { ...seen, valid: false, reason: "no-keys", why: `The program's public keys could not be fetched (${describe(e)}) and none are saved on this device yet. Connect once and check again; later checks then work offline.` };
  }
  const jwk = keys.keys.find((k) => k.kid === header.kid);
  if (!jwk) {
    return keys.cached
      ? { ...seen, keys, valid: false, reason: "unknown-key", why: "It names a key that is not among the keys saved on this device. Connect to fetch the current keys, then check again." }
      : { ...seen, keys, valid: false, reason: "unknown-key", why: "It names a key that is not one of this program's signing keys." };
  }
  let key;
  try {
    key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e && e.name === "DataError") return { ...seen, keys, valid: false, reason: "bad-key", why: "The program's published key could not be read." };
    return { ...seen, keys, valid: false, reason: "unsupported", why: "This browser cannot check Ed25519 signatures: its WebCrypto lacks Ed25519. Use a current Firefox, Safari, Chrome or Edge, or check the number instead." };
  }
  let valid = false;
  try {
    const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
    valid = await crypto.subtle.verify({ name: "Ed25519" }, key, base64url(parts[2]), signed);
  } catch {
    valid = false;
  }
  return { ...seen, keys, valid, reason: valid ? "valid" : "signature" };
}

/// The compact JWS out of what was pasted: also the API's `{"credential": "…"}` answer,
/// and with line breaks a mail client may have added.
function compactForm(raw) {
  const text = String(raw || "").trim();
  if (text.startsWith("{")) {
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed.credential === "string") return parsed.credential.trim();
    } catch {
      // Not JSON after all: read as it is.
    }
  }
  return text.replace(/\s+/g, "");
}

function base64url(part) {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function utf8(bytes) {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

function savedKeys() {
  try {
    const saved = JSON.parse(localStorage.getItem(JWKS_CACHE));
    return saved && Array.isArray(saved.keys) ? saved : null;
  } catch {
    return null;
  }
}

async function refreshKeys() {
  const jwks = await api("/.well-known/jwks.json", { auth: false });
  if (!jwks || !Array.isArray(jwks.keys)) throw new Error("The key set is malformed.");
  const saved = { keys: jwks.keys, fetched_at: new Date().toISOString() };
  try {
    localStorage.setItem(JWKS_CACHE, JSON.stringify(saved));
  } catch {
    // A full or disabled storage only costs the offline check.
  }
  return saved;
}

/// The keys from the server when it answers (keys rotate), else the copy saved here.
async function loadKeys() {
  if (navigator.onLine !== false) {
    try {
      return { ...(await refreshKeys()), cached: false };
    } catch (e) {
      const saved = savedKeys();
      if (!saved) throw e;
      return { ...saved, cached: true };
    }
  }
  const saved = savedKeys();
  if (!saved) throw new Error("this device is offline");
  return { ...saved, cached: true };
}

function verdict(outcome) {
  const lines = [];
  if (outcome.valid) {
    lines.push(h("p", { class: "verdict verdict-valid", id: "credential-verdict" },
      h("span", { class: "status-mark", "aria-hidden": "true" }, "✓"),
      h("strong", {}, "Signature valid"),
      ` — this credential was signed by the ${PROGRAM_NAME} and has not been altered.`));
  } else if (outcome.reason === "signature" || outcome.reason === "alg" || (outcome.reason === "unknown-key" && !outcome.keys.cached)) {
    lines.push(h("p", { class: "verdict verdict-invalid", id: "credential-verdict" },
      h("span", { class: "status-mark", "aria-hidden": "true" }, "✗"), h("strong", {}, NOT_VALID), "."));
  } else {
    lines.push(h("p", { class: "verdict verdict-unknown", id: "credential-verdict" },
      h("span", { class: "status-mark", "aria-hidden": "true" }, "?"), h("strong", {}, "The signature could not be checked"), "."));
  }
  if (outcome.why) lines.push(h("p", {}, outcome.why));
  if (outcome.keys && outcome.keys.cached) {
    lines.push(h("p", {}, `The server could not be reached, so the keys saved on this device on ${dateTime(outcome.keys.fetched_at)} were used.`));
  }
  return lines;
}

function claimsPart({ claims, header, valid }) {
  const now = Date.now() / 1000;
  const facts = [
    ["Holder", claims.holder_name],
    ["Certification", claims.certification_title && `${claims.certification_title} (${claims.certification_code})`],
    ["Level", typeof claims.level === "string" ? claims.level.charAt(0).toUpperCase() + claims.level.slice(1) : claims.level],
    ["Certificate number", claims.number],
    ["Issued on", claims.issued_on && date(claims.issued_on)],
    ["Expires on", claims.expires_on && date(claims.expires_on)],
    ["Issuer", claims.iss],
    ["Signed at", typeof claims.iat === "number" ? dateTime(new Date(claims.iat * 1000).toISOString()) : null],
    ["Key", header && header.kid],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  return [
    h("h3", {}, valid ? "What the credential says" : "What it claims (do not rely on this: it is not proven)"),
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))])),
    typeof claims.exp === "number" ? h("p", { id: "credential-expiry", dataset: { expired: String(now >= claims.exp) } },
      now >= claims.exp ? `Expired: the credential was valid until ${until(claims)}.` : `Not expired: the credential is valid until ${until(claims)}.`) : null,
    typeof claims.nbf === "number" && now + 300 < claims.nbf ? h("p", {}, "Its validity starts in the future, which a credential of this program never does.") : null,
  ];
}

/// `exp` is the first instant after the expiry day (UTC): said as that day when the
/// claims agree, so that no time zone shifts it to the next day.
function until(claims) {
  const end = new Date(claims.exp * 1000);
  const day = new Date(end.getTime() - 1).toISOString().slice(0, 10);
  return claims.expires_on === day ? `the end of ${date(day)} (UTC)` : dateTime(end.toISOString());
}

/// The register's word now: the signature cannot show a revocation made after signing.
async function liveStatus(target, number) {
  const offline = "The live status could not be fetched (no connection). The signature proves what was true when the credential was signed; only the register shows a later revocation.";
  target.replaceChildren(h("h3", {}, "Live status"), h("p", {}, "Asking the register…"));
  if (navigator.onLine === false) {
    target.replaceChildren(h("h3", {}, "Live status"), h("p", { dataset: { live: "offline" } }, offline));
    return;
  }
  try {
    const v = await api(`/v1/verify/${encodeURIComponent(number)}`, { auth: false });
    target.replaceChildren(
      h("h3", {}, "Live status"),
      statusBadge(v, "credential-live-status"),
      h("p", {}, "Checked just now against the register. ", h("a", { href: `/c/${v.number}` }, "Open the certificate page")),
    );
  } catch (e) {
    let text = lookupTrouble(e);
    if (e.code === "network") text = offline;
    else if (e.status === 404) text = `The register has no certificate numbered ${number}.`;
    target.replaceChildren(h("h3", {}, "Live status"), h("p", { dataset: { live: e.code === "network" ? "offline" : "error" } }, text));
  }
}

// ---- Partners ----

export function partnerPage(main) {
  let downloadUrl = null;
  const remembered = sessionStorage.getItem(PARTNER_KEY);
  const keyInput = h("input", { id: "api-key", name: "api_key", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  keyInput.value = remembered || "";
  const remember = h("input", { id: "remember-key", type: "checkbox", checked: Boolean(remembered) });
  remember.addEventListener("change", () => {
    if (!remember.checked) sessionStorage.removeItem(PARTNER_KEY);
  });
  const numbers = h("textarea", { id: "numbers", name: "numbers", rows: 8, spellcheck: "false", autocomplete: "off", "aria-describedby": "numbers-hint" });
  const file = h("input", { id: "numbers-file", type: "file", accept: ".csv,.txt,text/csv,text/plain", "aria-describedby": "numbers-file-hint" });
  // Not a .notice until it has something to say: an empty notice is display:none, and a
  // live region must be in the page before its first message to be heard.
  const progress = h("p", { id: "partner-status", role: "status" });
  const output = h("div", { id: "partner-output" });
  const button = h("button", { type: "submit" }, "Check the numbers");

  file.addEventListener("change", async () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (chosen.size > MAX_FILE_BYTES) return say(progress, `${chosen.name} is over 5 MB: split it into smaller files.`, "error");
    const { values, column } = numbersFromCsv(parseCsv(await chosen.text()));
    numbers.value = values.join("\n");
    say(progress, `Read ${values.length} ${values.length === 1 ? "number" : "numbers"} from ${chosen.name}${column ? ` (column “${column}”)` : ""}. Press “Check the numbers” to check them.`);
  });

  const formEl = h(
    "form",
    { novalidate: true },
    h("p", { class: "field" }, h("label", { for: "api-key" }, "API key"), keyInput),
    h("p", { class: "field check" }, remember, h("label", { for: "remember-key" }, "Remember the key in this tab until it is closed")),
    h(
      "p",
      { class: "field" },
      h("label", { for: "numbers" }, "Certificate numbers"),
      h("span", { class: "hint", id: "numbers-hint" }, "One per line, or separated by commas or semicolons. Any number of them: they are checked 100 at a time."),
      numbers,
    ),
    h(
      "p",
      { class: "field" },
      h("label", { for: "numbers-file" }, "Or choose a CSV file"),
      h("span", { class: "hint", id: "numbers-file-hint" }, "The column headed number, certificate or certificate_number is read, else the first column."),
      file,
    ),
    button,
    progress,
  );
  formEl.addEventListener("submit", async (event) => {
    event.preventDefault();
    const apiKey = keyInput.value.trim();
    const list = splitNumbers(numbers.value);
    if (!apiKey) return fieldProblem(keyInput, progress, "Enter your API key.");
    if (!list.length) return fieldProblem(numbers, progress, "Enter at least one certificate number, or choose a CSV file.");
    keyInput.removeAttribute("aria-invalid");
    numbers.removeAttribute("aria-invalid");
    if (remember.checked) sessionStorage.setItem(PARTNER_KEY, apiKey);
    button.disabled = true;
    try {
      const { results, error, failedAt } = await checkAll(list, apiKey, (from, to) =>
        say(progress, list.length > BATCH ? `Checking numbers ${from + 1} to ${to} of ${list.length}…` : "Checking…"));
      if (downloadUrl) URL.revokeObjectURL(downloadUrl);
      downloadUrl = results.length ? URL.createObjectURL(new Blob([toCsv(results)], { type: "text/csv;charset=utf-8" })) : null;
      output.replaceChildren(...resultsPart(results, downloadUrl));
      if (error) say(progress, batchTrouble(error, failedAt, list.length), "error");
      else say(progress, `Checked ${results.length} ${results.length === 1 ? "number" : "numbers"}.`, "success");
    } finally {
      button.disabled = false;
    }
  });

  render(
    main,
    "Partner check",
    h("p", {}, "Training partners and employers check many certificate numbers at once with the API key the program gave them. The key stays in this browser tab; it is sent only to this site."),
    formEl,
    output,
  );
  return () => {
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  };
}

function fieldProblem(input, status, text) {
  input.setAttribute("aria-invalid", "true");
  say(status, text, "error");
  input.focus();
}

function batchTrouble(error, failedAt, total) {
  const rest = failedAt > 0 ? ` The first ${failedAt} numbers were checked (below); the other ${total - failedAt} were not.` : "";
  if (error.status === 401) return `The API key is missing, wrong or revoked.${rest}`;
  if (error.status === 429) return `Too many checks in a short time: wait a minute and try again.${rest}`;
  return `${describe(error)}${rest}`;
}

/// Numbers as typed: split on line breaks, commas, semicolons and tabs; a pair of
/// quotes around one is dropped (pasted from a spreadsheet).
function splitNumbers(text) {
  return text
    .split(/[\r\n,;\t]+/)
    .map((s) => s.trim().replace(/^"(.*)"$/, "$1").trim())
    .filter(Boolean);
}

/// Checks the numbers 100 at a time, one batch after the other; stops at the first
/// refused batch and returns what was checked before it.
async function checkAll(numbers, apiKey, onProgress) {
  const results = [];
  for (let start = 0; start < numbers.length; start += BATCH) {
    const batch = numbers.slice(start, start + BATCH);
    onProgress(start, start + batch.length);
    try {
      const answer = await api("/v1/partner/verifications", { method: "POST", body: { numbers: batch }, auth: false, apiKey });
      results.push(...answer.results);
    } catch (error) {
      return { results, error, failedAt: start };
    }
  }
  return { results };
}

const ERROR_WORDS = { malformed_number: "not a valid number (wrong shape or check character)" };

function resultsPart(results, downloadUrl) {
  if (!results.length) return [];
  const found = results.filter((r) => r.found).length;
  const headers = ["Number", "Found", "Status", "Holder", "Certification", "Issued", "Expires", "Error"];
  const table = h(
    "table",
    { id: "partner-results" },
    h("caption", {}, `${results.length} checked: ${found} found, ${results.length - found} not found`),
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, results.map((r) => h(
      "tr",
      { dataset: { found: String(r.found) } },
      h("th", { scope: "row" }, r.number),
      h("td", {}, r.found ? "yes" : "no"),
      h("td", {}, r.status ? certificateStatus(r.status) : ""),
      h("td", {}, r.holder_name || ""),
      h("td", {}, r.certification_code || ""),
      h("td", {}, r.issued_on ? date(r.issued_on) : ""),
      h("td", {}, r.expires_on ? date(r.expires_on) : ""),
      h("td", {}, r.error ? ERROR_WORDS[r.error] || r.error : ""),
    ))),
  );
  return [
    h("h2", {}, "Results"),
    h("p", {}, h("a", { id: "partner-download", href: downloadUrl, download: "verification-results.csv", class: "button" }, "Download results as CSV")),
    h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Verification results" }, table),
  ];
}

const CSV_COLUMNS = ["number", "found", "status", "holder_name", "certification_code", "issued_on", "expires_on", "error"];

function toCsv(results) {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of results) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/// One RFC 4180 cell. A text starting like a formula gets a leading apostrophe, so that a
/// spreadsheet shows a holder's name rather than running it.
function csvCell(value) {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/// RFC 4180 rows: quoted cells with "" for a quote and line breaks inside, CRLF, LF or CR
/// line ends, and the delimiter (comma, semicolon or tab) the first line uses most.
function parseCsv(text) {
  const source = text.replace(/^\ufeff/, "");
  const delimiter = guessDelimiter(source);
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (source[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\r" || c === "\n") {
      if (c === "\r" && source[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ""));
}

function guessDelimiter(text) {
  const firstLine = text.split(/\r\n|\r|\n/, 1)[0] || "";
  const counts = [",", ";", "\t"].map((d) => [d, firstLine.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ",";
}

const NUMBER_HEADERS = ["number", "certificate", "certificate_number", "certificate_no", "certificate_id"];

/// The numbers of a CSV file: the column headed like a certificate number, else the first
/// column; the first row is skipped when it is a header.
function numbersFromCsv(rows) {
  if (!rows.length) return { values: [], column: null };
  const names = rows[0].map((c) => c.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  let index = names.findIndex((n) => NUMBER_HEADERS.includes(n));
  let body = rows;
  let column = null;
  if (index >= 0) {
    column = rows[0][index].trim();
    body = rows.slice(1);
  } else {
    index = 0;
    const first = (rows[0][0] || "").trim();
    // Words without digits or hyphens are a header ("Cert", "ID", "Numéro"…), never a
    // number, not even a mistyped one.
    if (first && !readNumber(first).number && !/[\d-]/.test(first)) body = rows.slice(1);
  }
  const values = body.map((r) => (r[index] || "").trim()).filter(Boolean);
  return { values, column };
}
