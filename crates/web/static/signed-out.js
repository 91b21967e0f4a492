// Loaded on pages seen signed out. The observer app's offline copy of its page names the
// observer and their stations: a phone whose observer has signed out (or whose session has
// ended) keeps no such copy. Unsent reports are not touched: they live in IndexedDB, and
// are sent once their observer signs in again.
if (window.caches) {
  caches.keys().then(function (names) {
    names.filter(function (name) { return name.indexOf("pollwatch-app") === 0; }).forEach(function (name) { caches.delete(name); });
  });
}
