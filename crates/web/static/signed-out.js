// Loaded on pages seen signed out. The observer app's offline copy of its page names the
// observer and their stations: a phone whose observer has signed out (or whose session has
// ended) keeps no such copy. Unsent reports are not touched: they live in IndexedDB, and
// are sent once their observer signs in again; the session the service worker sent them
// with is forgotten, so it sends nothing more until then.
(function () {
  "use strict";
  if (window.caches) {
    caches.keys().then(function (names) {
      names.filter(function (name) { return name.indexOf("pollwatch-app") === 0; }).forEach(function (name) { caches.delete(name); });
    });
  }
  if (window.indexedDB) {
    var open = indexedDB.open("pollwatch");
    open.onsuccess = function () {
      var db = open.result;
      if (db.objectStoreNames.contains("session")) db.transaction("session", "readwrite").objectStore("session").clear();
      db.close();
    };
  }
})();
