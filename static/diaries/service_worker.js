// The portal's service worker. Served at /portal/sw.js by diaries.views.service_worker, which
// puts CONFIG (the shell's URLs, the portal home, the static prefix, a version) above this.
// The app shell is cached on install; portal pages are network first (each page the patient
// opens is kept for when there is no signal); static files come from the cache and are
// refreshed behind it. Only GET requests are answered here: entries are queued by offline.js.
/* global CONFIG, importScripts */
importScripts(CONFIG.push); // one worker per scope: the diary reminders' push handlers live here too
const CACHE = `portal-${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(
        CONFIG.shell.map(async (url) => {
          try {
            const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
            if (response.ok && !response.redirected) await cache.put(url, response);
          } catch (error) {
            // No signal while installing: the page is kept the next time it is opened.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("portal-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // No signal: the page as last seen; a new day's form for any date (offline.js sets it).
    return (
      (await cache.match(request)) ||
      (await cache.match(request, { ignoreSearch: true })) ||
      (await cache.match(CONFIG.home)) ||
      Response.error()
    );
  }
}

async function asset(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  const fresh = fetch(request)
    .then(async (response) => {
      if (response.ok) await cache.put(request, response.clone());
      return response;
    })
    .catch(() => cached || Response.error());
  event.waitUntil(fresh);
  return cached || fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(CONFIG.home)) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(asset(event));
  }
});
