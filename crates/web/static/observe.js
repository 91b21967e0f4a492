// pollwatch observer app: fill forms on a phone, online or not.
// Every report goes into an IndexedDB outbox before anything is sent, and stays there until
// the server acknowledges it, across reloads and browser restarts. A report keeps the id it
// was given when saved, so sending it twice stores it once.
(function () {
  "use strict";

  var page = document.getElementById("observe");
  var lang = document.documentElement.lang || "az";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var stations = JSON.parse(page.getAttribute("data-stations") || "[]");
  var text = JSON.parse(document.getElementById("observe-text").textContent);
  var formsBox = document.getElementById("forms");
  var formBox = document.getElementById("form");
  var outboxBox = document.getElementById("outbox");
  var statusBox = document.getElementById("connection");
  var forms = [];

  // ---------- the outbox (outbox.js, shared with the service worker) ----------
  var outbox = window.PollwatchOutbox;
  function allReports() { return outbox.all(); }
  function putReport(r) { return outbox.put(r); }
  function deleteReport(id) { return outbox.remove(id); }
  var me = page.getAttribute("data-user");
  function mine(r) { return outbox.belongsTo(r, me); }

  // A UUIDv7 (RFC 9562): the time it is made, in milliseconds, then 74 random bits. The
  // server keeps an index of ids to store each report once; ids that rise with time are
  // added at its end, where random ones (v4, crypto.randomUUID) would land anywhere in it,
  // a page of the index written to disk for nearly every report.
  function newId() {
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    for (var i = 5, ms = Date.now(); i >= 0; i--, ms = Math.floor(ms / 256)) b[i] = ms % 256;
    b[6] = 0x70 | (b[6] & 0x0f); // version 7
    b[8] = 0x80 | (b[8] & 0x3f); // the RFC's variant
    var hex = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // ---------- the expression language (same rules as the server) ----------
  function tokenize(src) {
    var out = [], i = 0;
    while (i < src.length) {
      var c = src[i];
      if (/\s/.test(c)) { i++; continue; }
      if (/[0-9]/.test(c)) { var j = i; while (j < src.length && /[0-9.]/.test(src[j])) j++; out.push({ n: parseFloat(src.slice(i, j)) }); i = j; continue; }
      if (/[A-Za-z_]/.test(c)) { var k = i; while (k < src.length && /[A-Za-z0-9_]/.test(src[k])) k++; out.push({ w: src.slice(i, k) }); i = k; continue; }
      var two = src.substr(i, 2);
      if (["==", "!=", "<=", ">="].indexOf(two) >= 0) { out.push({ s: two }); i += 2; continue; }
      out.push({ s: c }); i++;
    }
    return out;
  }
  function parse(src) {
    var t = tokenize(src), p = 0;
    function peek() { return t[p]; }
    function word(w) { var x = peek(); if (x && x.w && x.w.toLowerCase() === w) { p++; return true; } return false; }
    function sym(s) { var x = peek(); if (x && x.s === s) { p++; return true; } return false; }
    function or() { var l = and(); while (word("or")) l = { op: "or", a: l, b: and() }; return l; }
    function and() { var l = not(); while (word("and")) l = { op: "and", a: l, b: not() }; return l; }
    function not() { return word("not") ? { op: "not", a: not() } : cmp(); }
    function cmp() {
      var l = sum(), x = peek();
      if (x && ["==", "!=", "<", "<=", ">", ">="].indexOf(x.s) >= 0) { p++; return { op: x.s, a: l, b: sum() }; }
      return l;
    }
    function sum() { var l = term(); for (;;) { if (sym("+")) l = { op: "+", a: l, b: term() }; else if (sym("-")) l = { op: "-", a: l, b: term() }; else return l; } }
    function term() {
      var x = t[p++];
      if (!x) throw new Error("expression ends early");
      if (x.n !== undefined) return { v: x.n };
      if (x.s === "(") { var e = or(); sym(")"); return e; }
      var w = x.w.toLowerCase();
      if (w === "yes" || w === "true") return { v: true };
      if (w === "no" || w === "false") return { v: false };
      if (w === "answered") { sym("("); var code = t[p++].w.toUpperCase(); sym(")"); return { answered: code }; }
      if (w === "has") { sym("("); var c2 = t[p++].w.toUpperCase(); sym(","); var opt = t[p++].n; sym(")"); return { has: c2, option: opt }; }
      return { code: x.w.toUpperCase() };
    }
    return or();
  }
  // undefined stands for "unknown": it depends on an unanswered question.
  function evaluate(e, answers) {
    if (e.v !== undefined) return e.v;
    if (e.code) { var a = answers[e.code]; return Array.isArray(a) ? true : a; }
    if (e.answered) return answers[e.answered] !== undefined;
    if (e.has) { var m = answers[e.has]; return m === undefined ? undefined : [].concat(m).indexOf(e.option) >= 0; }
    var a1 = evaluate(e.a, answers);
    if (e.op === "not") return typeof a1 === "boolean" ? !a1 : undefined;
    var b1 = evaluate(e.b, answers);
    if (e.op === "and") return a1 === false || b1 === false ? false : (a1 === true && b1 === true ? true : undefined);
    if (e.op === "or") return a1 === true || b1 === true ? true : (a1 === false && b1 === false ? false : undefined);
    if (a1 === undefined || b1 === undefined) return undefined;
    switch (e.op) {
      case "+": return a1 + b1;
      case "-": return a1 - b1;
      case "==": return a1 === b1;
      case "!=": return a1 !== b1;
      case "<": return a1 < b1;
      case "<=": return a1 <= b1;
      case ">": return a1 > b1;
      case ">=": return a1 >= b1;
    }
    return undefined;
  }

  // ---------- rendering ----------
  function label(l) { return (l && (l[lang] || l.az)) || ""; }
  // A choice's label, with the Election Code article it stands for when the form names one.
  function choiceText(o) { return label(o.label) + (o.article ? " (" + text.article.replace("{article}", o.article) + ")" : ""); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function bakuNow() {
    var s = new Date().toLocaleTimeString("en-GB", { timeZone: "Asia/Baku", hour: "2-digit", minute: "2-digit", hour12: false });
    return s.slice(0, 5);
  }
  // Answers typed and not saved yet: opening another form, cancelling or leaving the page (a
  // language chosen, a link) would lose them, so the observer is asked first.
  var unsaved = false, busySaving = false;
  function mayDiscard() {
    // A report being saved (its photos redrawn, then written) is not left half-way.
    if (busySaving) return false;
    if (unsaved && !confirm(text.discard)) return false;
    unsaved = false;
    return true;
  }
  // Reports still waiting go only under their observer's sign-in: signing out leaves them
  // unsent until then, which a shared phone's next user may not know.
  var signOut = document.getElementById("sign-out");
  if (signOut) signOut.addEventListener("submit", function (event) {
    var counter = document.getElementById("queued-count"), waiting = counter ? Number(counter.getAttribute("data-count")) : 0;
    if (waiting > 0 && !confirm(text.signOutWaiting.replace("{count}", waiting))) event.preventDefault();
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) { event.preventDefault(); event.returnValue = ""; }
  });

  function showForms() {
    formsBox.innerHTML = "";
    var now = bakuNow();
    forms.forEach(function (f) {
      var due = f.due && now >= f.due.from && now <= f.due.until;
      var button = el("button", { type: "button", "class": due ? "" : "secondary", "data-form": f.code, text: label(f.title) + (due ? " · " + text.due : "") });
      button.addEventListener("click", function () { if (mayDiscard()) openForm(f); });
      formsBox.appendChild(button);
    });
    formBox.innerHTML = "";
  }

  // A choice of times of day (the turnout count's 10:00 … 19:00): a time still to come cannot
  // be chosen (a quarter of an hour early is allowed), and the latest one come is chosen for
  // the observer, who may change it.
  function timeSlots(q, select) {
    var times = q.options.map(function (o) { return label(o.label); });
    if (!times.length || !times.every(function (t) { return /^\d\d:\d\d$/.test(t); })) return select;
    var now = bakuNow().split(":").map(Number), minutes = Math.min(now[0] * 60 + now[1] + 15, 23 * 60 + 59);
    // Past midnight the count goes on (election day ends in the small hours): every slot has come.
    if (now[0] < 5) minutes = 23 * 60 + 59;
    var soon = String(Math.floor(minutes / 60)).padStart(2, "0") + ":" + String(minutes % 60).padStart(2, "0");
    var latest = null;
    q.options.forEach(function (o, i) {
      var option = select.querySelector('option[value="' + o.value + '"]');
      if (times[i] > soon) option.disabled = true; else latest = o.value;
    });
    if (latest !== null) select.value = String(latest);
    return select;
  }

  function inputFor(q) {
    var id = "q-" + q.code;
    switch (q.type) {
      // Choices are whole-width rows a thumb can hit, grouped under the question for screen readers.
      case "yes_no":
        return el("div", { role: "radiogroup", "aria-labelledby": "l-" + q.code, "class": "choices" }, [
          el("label", { "class": "choice" }, [el("input", { type: "radio", name: q.code, value: "yes" }), document.createTextNode(text.yes)]),
          el("label", { "class": "choice" }, [el("input", { type: "radio", name: q.code, value: "no" }), document.createTextNode(text.no)])
        ]);
      case "integer": return el("input", { id: id, name: q.code, type: "number", inputmode: "numeric", min: q.min, max: q.max });
      case "decimal": return el("input", { id: id, name: q.code, type: "number", step: "any", min: q.min, max: q.max });
      case "single_choice":
        return timeSlots(q, el("select", { id: id, name: q.code }, [el("option", { value: "", text: "—" })].concat(
          q.options.map(function (o) { return el("option", { value: o.value, text: o.value + ". " + choiceText(o) }); }))));
      case "multiple_choice":
        return el("div", { role: "group", "aria-labelledby": "l-" + q.code, "class": "choices" }, q.options.map(function (o) {
          return el("label", { "class": "choice" }, [el("input", { type: "checkbox", name: q.code, value: o.value }), document.createTextNode(choiceText(o))]);
        }));
      case "text": return el("textarea", { id: id, name: q.code, maxlength: q.max_length, rows: 2 });
      case "time": return el("input", { id: id, name: q.code, type: "time" });
      case "photo": return el("input", { id: id, name: q.code, type: "file", accept: "image/jpeg,image/png", capture: "environment" });
    }
    return el("input", { id: id, name: q.code });
  }

  function readAnswers(formNode, form) {
    var answers = {}, photos = {};
    form.groups.forEach(function (g) { g.questions.forEach(function (q) {
      var named = formNode.querySelectorAll('[name="' + q.code + '"]');
      if (q.type === "yes_no") {
        named.forEach(function (n) { if (n.checked) answers[q.code] = n.value === "yes"; });
      } else if (q.type === "multiple_choice") {
        var chosen = []; named.forEach(function (n) { if (n.checked) chosen.push(parseInt(n.value, 10)); });
        if (chosen.length) answers[q.code] = chosen;
      } else if (q.type === "photo") {
        if (named[0] && named[0].files && named[0].files[0]) photos[q.code] = named[0].files[0];
        else if (formNode.keptPhotos && formNode.keptPhotos[q.code]) answers[q.code] = formNode.keptPhotos[q.code];
        else if (formNode.keptFiles && formNode.keptFiles[q.code]) photos[q.code] = formNode.keptFiles[q.code];
      } else if (named[0] && named[0].value !== "") {
        var v = named[0].value;
        answers[q.code] = (q.type === "integer" || q.type === "single_choice") ? parseInt(v, 10) : (q.type === "decimal" ? parseFloat(v) : v);
      }
    }); });
    return { answers: answers, photos: photos };
  }

  // What the server takes (see /api/v1/photos): caught here, so a photo it would refuse never
  // waits in the outbox.
  var PHOTO_TYPES = ["image/jpeg", "image/png"], PHOTO_BYTES = 8 * 1024 * 1024;
  // A larger photo is made smaller on saving (below), so only its type is checked as it is chosen.
  function photoAcceptable(file) { return PHOTO_TYPES.indexOf(file.type) >= 0 && (file.size <= PHOTO_BYTES || canShrink()); }
  function photoSendable(file) { return PHOTO_TYPES.indexOf(file.type) >= 0 && file.size <= PHOTO_BYTES; }

  // Phones take photos of 5-15 MB: above what the server takes, and minutes each on a slow
  // link. One larger than SHRINK_ABOVE is redrawn at most LONG_SIDE pixels on its long side,
  // as a JPEG: a protocol stays legible at a tenth of the bytes, and the copy carries no
  // location. A smaller photo goes as it is, untouched.
  var SHRINK_ABOVE = 1536 * 1024, LONG_SIDE = 2560;
  function canShrink() { return typeof createImageBitmap === "function"; }
  function shrunk(file) {
    if (file.size <= SHRINK_ABOVE || PHOTO_TYPES.indexOf(file.type) < 0 || !canShrink()) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          canvas.width = canvas.height = 0; // its pixels freed now, not when collected
          resolve(blob && blob.size < file.size ? blob : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }
  // One at a time: a phone decoding three camera photos at once can run out of memory.
  function shrinkAll(photos) {
    var smaller = {};
    return Object.keys(photos).reduce(function (done, code) {
      return done.then(function () { return shrunk(photos[code]); }).then(function (file) { smaller[code] = file; });
    }, Promise.resolve()).then(function () { return smaller; });
  }

  // Shows and hides questions by their conditions; returns the problems found.
  function check(formNode, form, final) {
    var read = readAnswers(formNode, form), answers = read.answers, problems = [];
    form.groups.forEach(function (g) { g.questions.forEach(function (q) {
      var row = formNode.querySelector('[data-question="' + q.code + '"]');
      var shown = !q.show_if || evaluate(parse(q.show_if), answers) === true;
      row.hidden = !shown;
      if (!shown) { delete answers[q.code]; delete read.photos[q.code]; return; }
      var v = answers[q.code], problem = "";
      var present = v !== undefined || read.photos[q.code];
      if (q.required && !present) problem = final ? text.required : "";
      else if (v !== undefined && (q.type === "integer" || q.type === "decimal") && (isNaN(v) || v < q.min || v > q.max)) problem = text.range.replace("{min}", q.min).replace("{max}", q.max);
      else if (read.photos[q.code] && !photoAcceptable(read.photos[q.code])) problem = text.photoRefused;
      row.querySelector(".problem").textContent = problem;
      if (problem) problems.push(q.code);
    }); });
    (form.checks || []).forEach(function (c, i) {
      var box = formNode.querySelector('[data-check="' + i + '"]');
      var broken = evaluate(parse(c.rule), answers) === false;
      box.textContent = broken ? label(c.message) : "";
      if (broken) problems.push(c.rule);
    });
    return { problems: problems, answers: answers, photos: read.photos };
  }

  function openForm(form, previous) {
    formBox.innerHTML = "";
    var node = el("form", { id: "report-form", "data-form": form.code, novalidate: "novalidate", "class": "stack" });
    node.appendChild(el("h2", { text: label(form.title) }));
    if (form.description) node.appendChild(el("p", { "class": "muted", text: label(form.description) }));
    // Several stations: none is chosen for the observer, who must say which one it is.
    var stationChoices = (stations.length > 1 ? [el("option", { value: "", text: "—" })] : []).concat(
      stations.map(function (s) { return el("option", { value: s, text: s }); }));
    var stationSelect = el("select", { name: "__station", id: "station" }, stationChoices);
    var stationProblem = el("div", { "class": "problem", id: "station-problem", role: "alert" });
    node.appendChild(el("div", {}, [el("label", { "for": "station", text: text.station }), stationSelect, stationProblem]));
    form.groups.forEach(function (g) {
      var fieldset = el("fieldset", {}, [el("legend", { text: label(g.title) })]);
      g.questions.forEach(function (q) {
        var row = el("div", { "data-question": q.code, "class": "question" }, [
          el("label", { id: "l-" + q.code, "for": "q-" + q.code, text: q.code + ". " + label(q.label) + (q.required ? " *" : "") }),
          q.help && label(q.help) ? el("div", { "class": "muted", text: label(q.help) }) : null,
          inputFor(q),
          el("div", { "class": "problem", role: "alert" })
        ]);
        fieldset.appendChild(row);
      });
      node.appendChild(fieldset);
    });
    (form.checks || []).forEach(function (c, i) { node.appendChild(el("div", { "class": "problem", "data-check": i, role: "alert" })); });
    node.appendChild(el("div", {}, [el("button", { type: "submit", text: text.save }), el("button", { type: "button", "class": "secondary", id: "cancel", text: text.cancel })]));
    formBox.appendChild(node);
    if (previous) restore(node, form, previous);
    node.addEventListener("input", function () { unsaved = true; check(node, form, false); });
    node.addEventListener("change", function () { unsaved = true; check(node, form, false); });
    node.querySelector("#cancel").addEventListener("click", function () { if (mayDiscard()) showForms(); });
    var saving = false, saveButton = node.querySelector('button[type="submit"]');
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      // A second tap (or Enter) while the first is being saved would make a second report.
      if (saving) return;
      var result = check(node, form, true);
      // A report being fixed whose station is no longer the observer's has none chosen.
      stationProblem.textContent = stationSelect.value ? "" : text.required;
      if (result.problems.length || !stationSelect.value) { node.querySelector(".problem:not(:empty)").scrollIntoView(); return; }
      // The server keeps the content an id was first sent with: a report it refused as a
      // different one under a used id (409) goes again under a new id.
      var reused = previous && !(previous.problem && previous.problem.error === "conflict");
      var report = {
        id: reused ? previous.id : newId(), user: me, form: form.code, form_version: form.version, station: stationSelect.value,
        answers: result.answers, photos: result.photos, device_time: previous ? previous.device_time : Date.now(),
        state: "queued", saved_at: Date.now()
      };
      saving = true; busySaving = true; saveButton.disabled = true;
      function saveFailed() {
        saving = false; busySaving = false; saveButton.disabled = false;
        var failed = node.querySelector("#storage-failed") || node.appendChild(el("div", { "class": "notice error", id: "storage-failed", role: "alert" }));
        failed.textContent = text.storageFailed;
      }
      // Only a failure before the report is written says it was not saved: one after it (in
      // showing the notice) must not have the observer save it a second time.
      shrinkAll(result.photos).catch(function () { return null; }).then(function (photos) {
        if (!photos) { saveFailed(); return; }
        // One still too large (a phone that could not redraw it): said on its question.
        var unsendable = Object.keys(photos).filter(function (code) { return !photoSendable(photos[code]); });
        unsendable.forEach(function (code) {
          node.querySelector('[data-question="' + code + '"] .problem').textContent = text.photoRefused;
        });
        if (unsendable.length) {
          saving = false; busySaving = false; saveButton.disabled = false;
          node.querySelector('[data-question="' + unsendable[0] + '"]').scrollIntoView();
          return;
        }
        report.photos = photos;
        return save(report, saveFailed);
      });
    });
    check(node, form, false);

    function save(report, saveFailed) {
      return putReport(report).then(function () {
        unsaved = false; busySaving = false;
        // Saved: should removing the refused report it replaces fail, that one stays listed as
        // refused (never sent again), rather than this one being saved a second time.
        var replaced = previous && previous.id !== report.id ? deleteReport(previous.id).catch(function () { return null; }) : null;
        return Promise.resolve(replaced).then(function () {
          formBox.innerHTML = "";
          formBox.appendChild(el("div", { "class": "notice ok", id: "saved", "data-id": report.id, text: text.saved }));
          askForIncident(form, report);
          renderOutbox();
          flush();
          sendInBackground();
        });
      }, saveFailed);
    }
  }

  // Answers that are incidents in themselves (the form's incident_if: carousel voting seen on
  // a visit) ask for an incident report too, with what was seen.
  function askForIncident(form, report) {
    var incident = forms.filter(function (f) { return f.kind === "incident"; })[0];
    if (!form.incident_if || !incident || evaluate(parse(form.incident_if), report.answers) !== true) return;
    var open = el("button", { type: "button", text: label(incident.title) });
    open.addEventListener("click", function () { openForm(incident); });
    formBox.appendChild(el("div", { "class": "notice error", id: "incident-asked", role: "alert" }, [
      el("p", { text: text.incidentAsked }), open
    ]));
  }

  function restore(node, form, report) {
    node.keptPhotos = {};
    Object.keys(report.answers).forEach(function (code) {
      var v = report.answers[code];
      node.querySelectorAll('[name="' + code + '"]').forEach(function (input) {
        // A browser lets no page choose a file: the photo already uploaded stays the answer.
        if (input.type === "file") {
          node.keptPhotos[code] = v;
          input.parentNode.insertBefore(el("div", { "class": "muted kept-photo", text: text.photoKept }), input);
        } else if (input.type === "radio") input.checked = (input.value === "yes") === v;
        else if (input.type === "checkbox") input.checked = [].concat(v).indexOf(parseInt(input.value, 10)) >= 0;
        else input.value = v;
      });
    });
    // Photos chosen but not sent yet (one before them was refused) stay chosen; the refused
    // one must be chosen again.
    node.keptFiles = {};
    var refused = report.problem && report.problem.question;
    Object.keys(report.photos || {}).forEach(function (code) {
      var input = node.querySelector('[name="' + code + '"]');
      if (code === refused || !input) return;
      node.keptFiles[code] = report.photos[code];
      input.parentNode.insertBefore(el("div", { "class": "muted kept-photo", text: text.photoKept }), input);
    });
    var station = node.querySelector("#station"); if (station) station.value = report.station;
  }

  // ---------- sending ----------
  function flush() {
    return outbox.sendQueued(csrf, me).then(function (outcome) {
      if (outcome.signInAgain) statusBox.textContent = text.signInAgain;
      // Left unsent: the worker takes over should the app be closed now.
      if (outcome.failed > 0) sendInBackground();
    }).catch(function () {}).then(renderOutbox);
  }
  // With the app closed, the service worker sends when the browser has a connection again.
  function sendInBackground() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register("pollwatch-outbox");
    }).catch(function () {});
  }

  // Which of a form's repeated reports this is: its first question when that is a time or a
  // time slot (the turnout count's 10:00 … 19:00, a voting visit's time), so two are told apart.
  function reportedFor(form, report) {
    var first = form.groups[0] && form.groups[0].questions[0];
    var answer = first && report.answers[first.code];
    if (answer === undefined) return "";
    if (first.type === "time") return answer;
    if (first.type === "single_choice") {
      var option = first.options.filter(function (o) { return o.value === answer; })[0];
      var name = option ? label(option.label) : "";
      return /^\d\d:\d\d$/.test(name) ? name : "";
    }
    return "";
  }

  function renderOutbox() {
    allReports().then(function (reports) {
      reports = reports.filter(mine).sort(function (a, b) { return b.saved_at - a.saved_at; });
      outboxBox.innerHTML = "";
      var queued = reports.filter(function (r) { return r.state === "queued"; }).length;
      outboxBox.appendChild(el("p", { id: "queued-count", "data-count": queued, text: text.queued + ": " + queued }));
      // Every report still waiting or refused is listed, however many were sent since.
      var open = reports.filter(function (r) { return r.state !== "sent"; });
      var sent = reports.filter(function (r) { return r.state === "sent"; }).slice(0, 30);
      // The notice of the report just saved follows it: sent, or refused.
      var notice = document.getElementById("saved");
      var noticed = notice && reports.filter(function (r) { return r.id === notice.getAttribute("data-id"); })[0];
      if (noticed && noticed.state === "sent") notice.textContent = text.savedSent;
      if (noticed && noticed.state === "rejected") { notice.className = "notice error"; notice.textContent = text.savedRejected; }
      open.concat(sent).forEach(function (r) {
        var form = forms.filter(function (f) { return f.code === r.form; })[0];
        var when = form ? reportedFor(form, r) : "";
        var line = el("li", { "class": "report " + r.state, "data-state": r.state, "data-id": r.id }, [
          document.createTextNode((form ? label(form.title) : r.form) + " · " + r.station + (when ? " · " + when : "") + " · "),
          el("strong", { text: text[r.state] || r.state }),
          r.server_time ? document.createTextNode(" " + r.server_time.slice(11, 16)) : null
        ]);
        if (r.state === "rejected" && form) {
          var fix = el("button", { type: "button", "class": "secondary", text: text.fix });
          fix.addEventListener("click", function () { if (mayDiscard()) openForm(form, r); });
          var problem = r.problem || {};
          var details = (problem.fields || []).map(function (f) { return f.question + ": " + f.message; }).join("; ");
          if (problem.photoRefused) details = text.photoRefused + (problem.message ? " (" + problem.message + ")" : "");
          line.appendChild(el("div", { "class": "problem", text: details || problem.message || "" }));
          line.appendChild(fix);
        }
        outboxBox.appendChild(line);
      });
    });
  }

  function showConnection() {
    statusBox.textContent = navigator.onLine ? text.online : text.offline;
    statusBox.setAttribute("data-online", navigator.onLine ? "1" : "0");
  }

  // ---------- start ----------
  function loadForms() {
    return fetch("/api/v1/forms", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (list) { localStorage.setItem("pollwatch-forms", JSON.stringify(list)); return list; })
      .catch(function () { return JSON.parse(localStorage.getItem("pollwatch-forms") || "[]"); });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) { if (event.data === "pollwatch-outbox") renderOutbox(); });
  }
  // The worker sends in the background as the observer signed in here, with this form token.
  var ready = outbox.rememberSession(csrf, me).then(function () { return outbox.claimUnnamed(me); }).catch(function () {});
  // Without it a browser short of space may clear the site's storage, the outbox with it.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
  window.addEventListener("online", function () { showConnection(); flush(); });
  window.addEventListener("offline", showConnection);
  // Timers sleep while a phone's browser is in the background: send as soon as it is back.
  document.addEventListener("visibilitychange", function () { if (!document.hidden && navigator.onLine) flush(); });
  setInterval(function () { if (navigator.onLine) flush(); }, 5000);
  showConnection();
  Promise.all([loadForms(), ready]).then(function (loaded) {
    var list = loaded[0];
    forms = list;
    showForms();
    renderOutbox();
    flush();
    page.setAttribute("data-ready", "1");
  });
})();
