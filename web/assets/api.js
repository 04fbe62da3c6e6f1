// The HTTP API, as the pages use it: JSON in and out, problems as ApiError, the session's
// tokens kept in localStorage (so a reload mid-exam stays signed in) and refreshed before
// they expire.

const SESSION = "invigil.session";
const REFRESH_MARGIN_MS = 60_000;

/// How long before expiry a token is renewed: a minute, or a quarter of its life when
/// tokens are short-lived.
function margin(s) {
  return Math.min(REFRESH_MARGIN_MS, (s && s.ttlMs ? s.ttlMs : 4 * REFRESH_MARGIN_MS) / 4);
}

export class ApiError extends Error {
  // status 0 and code "network": no answer (offline, timeout, connection reset).
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? "network" : "http_" + status);
    this.problem = problem;
  }
  get transient() {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION));
  } catch {
    return null;
  }
}

function store(pair, me) {
  const previous = session() || {};
  const next = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + pair.expires_in * 1000,
    ttlMs: pair.expires_in * 1000,
    me: me || previous.me || null,
  };
  localStorage.setItem(SESSION, JSON.stringify(next));
  scheduleRefresh();
  return next;
}

export function clearSession() {
  localStorage.removeItem(SESSION);
  clearTimeout(refreshTimer);
}

async function send(path, { method = "GET", body, token, apiKey, timeout = 15_000 } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = "Bearer " + token;
  if (apiKey) headers["x-api-key"] = apiKey;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(0, { title: "No connection to the server", detail: String(e.message || e) });
  } finally {
    clearTimeout(timer);
  }
  const text = await response.text().catch(() => "");
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return { data, headers: response.headers, status: response.status };
}

/// Calls the API; `auth: false` for public routes. A 401 `token_expired` is refreshed once
/// and retried.
export async function api(path, options = {}) {
  const { auth = true } = options;
  let current = auth ? session() : null;
  if (auth && !current) throw new ApiError(401, { code: "unauthorized", detail: "Please sign in." });
  if (current && current.expiresAt - Date.now() < 5_000) current = await refresh();
  try {
    return (await send(path, { ...options, token: current && current.access })).data;
  } catch (e) {
    if (auth && e.status === 401 && e.code === "token_expired") {
      const renewed = await refresh();
      return (await send(path, { ...options, token: renewed.access })).data;
    }
    if (auth && e.status === 401 && e.code !== "network") clearSession();
    throw e;
  }
}

/// The same, returning headers too (for `Link` paging).
export async function apiWithHeaders(path, options = {}) {
  const current = session();
  return send(path, { ...options, token: current && current.access });
}

export async function signIn(email, password) {
  const { data } = await send("/v1/auth/login", { method: "POST", body: { email, password } });
  store(data, null);
  const me = (await send("/v1/me", { token: data.access_token })).data;
  return store(data, me);
}

export async function signOut() {
  const current = session();
  clearSession();
  if (current) {
    await send("/v1/auth/logout", {
      method: "POST",
      body: { refresh_token: current.refresh },
      token: current.access,
    }).catch(() => {});
  }
}

let refreshing = null;
let refreshTimer = null;

/// Exchanges the refresh token once, even with several tabs open: a spent refresh token
/// presented again would end the session, so tabs take turns (Web Locks) and a tab that
/// finds the token already renewed by another uses the new one.
export function refresh() {
  if (refreshing) return refreshing;
  const seen = session();
  const run = async () => {
    const now = session();
    if (!now) throw new ApiError(401, { code: "unauthorized", detail: "Please sign in." });
    if (seen && now.refresh !== seen.refresh && now.expiresAt - Date.now() > margin(now)) {
      return now;
    }
    try {
      const { data } = await send("/v1/auth/refresh", {
        method: "POST",
        body: { refresh_token: now.refresh },
      });
      return store(data);
    } catch (e) {
      if (e.status === 401) clearSession();
      throw e;
    }
  };
  const locked = navigator.locks ? navigator.locks.request("invigil-refresh", run) : run();
  refreshing = locked.finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/// Renews the access token a minute before it runs out, so no request meets an expired
/// one (and a candidate is never interrupted).
export function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const current = session();
  if (!current) return;
  const wait = Math.max(1_000, current.expiresAt - Date.now() - margin(current));
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {});
  }, wait);
}
