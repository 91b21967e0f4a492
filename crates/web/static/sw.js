// pollwatch service worker: keeps the observer app openable without a network.
// Pages and form definitions: network first, the last good copy when offline.
// Reports are never cached here: the app's IndexedDB outbox holds them until acknowledged.
// Renamed with any change to a file in SHELL, so that a new page never runs beside old code.
const CACHE = "pollwatch-app-v8";
const SHELL = ["/observe", "/static/outbox.js", "/static/observe.js", "/static/app.css", "/api/v1/forms", "/manifest.webmanifest"];

// The outbox and how reports are sent: the same code as the app's.
importScripts("/static/outbox.js");

// Each part on its own: on a flaky link one that fails must not leave the others uncached
// (the fetch handler below fills the gaps on the next load that reaches the server). But an
// update that could not fetch every part is given up: activated, it would delete the version
// before, whose copy is whole, and leave an app that cannot open offline. The version installed
// stays, and the browser tries the update again on a later load.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => Promise.all(SHELL.map((path) => cache.add(path).then(() => true, () => false))))
      .then((added) => caches.keys().then((keys) => {
        const updating = keys.some((key) => key !== CACHE && key.startsWith("pollwatch-app-"));
        if (updating && added.includes(false)) {
          return caches.delete(CACHE).then(() => { throw new Error("update not fetched whole; trying again later"); });
        }
        return self.skipWaiting();
      }))
  );
});

// A link that is up but passes nothing must not keep the app from opening: after this long
// the last good copy is shown, and the network's answer still refreshes it when it comes.
const PATIENCE_MS = 4000;

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  let stored = Promise.resolve();
  const network = fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      stored = caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
    }
    return response;
  });
  // The worker stays alive until the network has answered and its copy is kept, even when
  // the page was already given the old copy.
  event.waitUntil(network.then(() => stored, () => {}));
  const cached = () => caches.match(url.pathname);
  // A server that is down behind a proxy answers 502/503: the app must still open.
  const usable = network.then((response) => (response.status >= 500 ? cached().then((copy) => copy || response) : response));
  const slow = new Promise((resolve) => setTimeout(resolve, PATIENCE_MS)).then(cached);
  event.respondWith(
    Promise.race([usable.catch(() => cached()), slow.then((copy) => copy || usable)])
      .then((response) => response || usable)
      .catch(() => cached().then((copy) => copy || Response.error()))
  );
});

// With the app closed, the browser wakes the worker once it has a connection again (and
// retries later while sending fails): the reports go as the observer last signed in on this
// phone, and not at all once they have signed out.
self.addEventListener("sync", (event) => {
  if (event.tag.indexOf("pollwatch-outbox") !== 0) return;
  event.waitUntil(
    self.PollwatchOutbox.session().then((session) => {
      if (!session) return null;
      return self.PollwatchOutbox.sendQueued(session.csrf, session.user, true).then((outcome) =>
        self.clients.matchAll().then((pages) => {
          pages.forEach((page) => page.postMessage("pollwatch-outbox"));
          // Thrown, the browser tries again later; a session that has ended waits for a sign-in.
          if (outcome.failed > 0 && !outcome.signInAgain) throw new Error("not all reports were sent");
        })
      );
    })
  );
});
