// pollwatch outbox: the reports a phone holds until the server acknowledges them, and how
// they are sent. Shared by the observer app (observe.js) and its service worker (sw.js),
// which sends them in the background when the browser regains a connection while the app
// is closed. A report keeps the id it was given when saved, so sending it twice stores it
// once; it leaves "queued" only on the server's answer.
(function (global) {
  "use strict";

  // ---------- storage ----------
  // Opened again after any failure: a browser may close the connection under us (iOS does).
  var dbPromise = null;
  function database() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        // Version 2 added "session": the form token and user the worker sends with.
        var open = indexedDB.open("pollwatch", 2);
        open.onupgradeneeded = function () {
          var names = open.result.objectStoreNames;
          if (!names.contains("outbox")) open.result.createObjectStore("outbox", { keyPath: "id" });
          if (!names.contains("session")) open.result.createObjectStore("session", { keyPath: "key" });
        };
        open.onsuccess = function () {
          open.result.onclose = function () { dbPromise = null; };
          open.result.onversionchange = function () { open.result.close(); dbPromise = null; };
          resolve(open.result);
        };
        open.onerror = function () { reject(open.error); };
        // A page of an older version still holds the database open: saving fails (and says
        // so) rather than waiting for ever.
        open.onblocked = function () { dbPromise = null; reject(new Error("the outbox is open in an older page")); };
      });
    }
    return dbPromise;
  }
  function store(name, mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result instanceof IDBRequest ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        // A full disk aborts the transaction rather than failing a request in it.
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
      });
    }).catch(function (error) { dbPromise = null; throw error; });
  }

  var outbox = {
    all: function () { return store("outbox", "readonly", function (s) { return s.getAll(); }); },
    put: function (report) { return store("outbox", "readwrite", function (s) { s.put(report); }); },
    remove: function (id) { return store("outbox", "readwrite", function (s) { s.delete(id); }); },
    // Whose reports are sent, and with which form token: written by the app on each load.
    session: function () { return store("session", "readonly", function (s) { return s.get("current"); }); },
    rememberSession: function (csrf, user) {
      return store("session", "readwrite", function (s) { s.put({ key: "current", csrf: csrf, user: String(user) }); });
    },
    // The outbox belongs to whoever saved each report: on a phone two observers share, one's
    // reports are never sent under the other's session (nor shown to them).
    belongsTo: function (report, user) { return report.user !== undefined && String(report.user) === String(user); },
    // Reports saved before reports named their observer go to the first to sign in after the
    // update: on all but a shared phone, the one who saved them.
    claimUnnamed: function (user) {
      return outbox.all().then(function (reports) {
        var unnamed = reports.filter(function (r) { return r.user === undefined; });
        return unnamed.reduce(function (chain, r) { r.user = String(user); return chain.then(function () { return outbox.put(r); }); }, Promise.resolve());
      });
    },
    sendQueued: sendQueued
  };

  // ---------- sending ----------
  // Sends the user's queued reports, oldest first, each on its own: one that cannot go now
  // must not hold back the others. Resolves to { signInAgain, failed }: the session has ended
  // (the reports wait for the next sign-in), and how many could not be sent (no network).
  // One sender per phone, even with the app open in two tabs and the worker at work:
  // otherwise each would send, and upload every photo, again.
  // `wait`: the service worker waits for a page's round to end and then looks again, since
  // a sync that finds nothing to do is not repeated; a page skips a round, its timer retries.
  function sendQueued(csrf, user, wait) {
    var locks = global.navigator && global.navigator.locks;
    if (locks && locks.request) {
      return locks.request("pollwatch-outbox", wait ? {} : { ifAvailable: true }, function (lock) {
        return lock ? sendAll(csrf, user) : { signInAgain: false, failed: 0, busy: true };
      });
    }
    // Without Web Locks (Safari before 15.4, which has no background sync either: only the
    // page sends) one round at a time here. Two at once each sent what the outbox held when
    // they began: one could put back a report the other had just had refused and fixed.
    if (roundUnderWay) {
      return wait ? roundUnderWay.then(function () { return sendQueued(csrf, user, wait); })
        : Promise.resolve({ signInAgain: false, failed: 0, busy: true });
    }
    var round = sendAll(csrf, user);
    var over = function () { roundUnderWay = null; };
    roundUnderWay = round.then(over, over);
    return round;
  }
  var roundUnderWay = null;

  function sendAll(csrf, user) {
    var outcome = { signInAgain: false, failed: 0 };
    return outbox.all().then(function (reports) {
      var queued = reports.filter(function (r) { return r.state === "queued" && outbox.belongsTo(r, user); })
        .sort(function (a, b) { return a.saved_at - b.saved_at; });
      return queued.reduce(function (chain, report) {
        return chain.then(function () {
          if (outcome.signInAgain) return null;
          return send(report, csrf).catch(function (error) {
            if (error && error.signInAgain) outcome.signInAgain = true; else outcome.failed += 1;
          });
        });
      }, Promise.resolve());
    }).then(function () { return outcome; });
  }

  function signInAgain() {
    var error = new Error("not signed in");
    error.signInAgain = true;
    throw error;
  }

  // A 403 is an expired session's form token (sign in again) or a refusal of the report as
  // it stands.
  function refusal(response) {
    return response.json().catch(function () { return {}; }).then(function (problem) {
      if (problem.error === "csrf") return signInAgain();
      return problem;
    });
  }

  function uploadPhotos(report, csrf) {
    var codes = Object.keys(report.photos || {});
    return codes.reduce(function (chain, code) {
      return chain.then(function () {
        return fetch("/api/v1/photos", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrf }, body: report.photos[code] })
          .then(function (r) {
            if (r.status === 401) return signInAgain();
            // Refused for good (not a JPEG or PNG, too large, not allowed): the report waits for
            // the observer, who must choose another photo; the others they chose are kept.
            if (r.status === 403 || r.status === 413 || r.status === 415 || r.status === 422) {
              return refusal(r).then(function (problem) {
                var refused = new Error("photo refused");
                refused.problem = r.status === 403 ? problem : { photoRefused: true, question: code, message: problem.message || "" };
                throw refused;
              });
            }
            if (!r.ok) throw new Error("photo " + r.status);
            return r.json();
          })
          .then(function (body) { report.answers[code] = body.sha256; delete report.photos[code]; return outbox.put(report); });
      });
    }, Promise.resolve());
  }

  function send(report, csrf) {
    return uploadPhotos(report, csrf).then(function () {
      var body = { id: report.id, form: report.form, form_version: report.form_version, station: report.station, answers: report.answers, device_time: report.device_time };
      return fetch("/api/v1/submissions", {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body)
      });
    }, function (error) {
      if (!error.problem) throw error;
      report.state = "rejected"; report.problem = error.problem;
      return outbox.put(report).then(function () { return null; });
    }).then(function (response) {
      if (response === null) return null;
      if (response.status === 201 || response.status === 200) {
        return response.json().then(function (stored) {
          report.state = "sent"; report.server_id = stored.id; report.server_time = stored.server_time_baku;
          return outbox.put(report);
        });
      }
      if (response.status === 401) return signInAgain();
      if ([400, 403, 409, 413, 415, 422].indexOf(response.status) >= 0) {
        // Refused as it stands (answers to fix, a station not the observer's): kept, with the
        // reason, never sent again as it is.
        return refusal(response).then(function (problem) {
          report.state = "rejected"; report.problem = problem; return outbox.put(report);
        });
      }
      throw new Error("server " + response.status);
    });
  }

  global.PollwatchOutbox = outbox;
})(self);
