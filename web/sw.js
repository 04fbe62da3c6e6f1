// The service worker: keeps the client's own files so that a page reloaded while the
// network is down still opens (the exam page then works from the copy of the attempt it
// keeps, and its queued answers wait for the network). The API is never cached here.
// The server prepends `const VERSION` and `const FILES` (every embedded file).

const CACHE = `invigil-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/v1/") || url.pathname.startsWith("/.well-known/")) return;
  // The network first, so that a new release shows at once; the copy when it fails.
  const fallback = request.mode === "navigate" ? "/" : request;
  event.respondWith(
    fetch(request).catch(() =>
      caches.open(CACHE).then((cache) => cache.match(fallback)).then((hit) => hit || Response.error()),
    ),
  );
});
