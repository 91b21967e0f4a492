// Live coverage: listen to the server's change events and refresh the figures in place,
// at most once a second however many reports arrive.
(function () {
  "use strict";
  var box = document.getElementById("coverage");
  var stamp = document.getElementById("coverage-updated");
  if (!box || !window.EventSource) return;
  var pending = null;
  function refresh() {
    pending = null;
    fetch(box.getAttribute("data-source"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        box.innerHTML = html;
        if (stamp) stamp.textContent = new Date().toLocaleTimeString("az-Latn-AZ", { timeZone: "Asia/Baku" });
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {});
  }
  var events = new EventSource("/api/v1/events");
  events.addEventListener("change", function () {
    if (!pending) pending = setTimeout(refresh, 1000);
  });
  // Opened (first, or again once the server ended a stream or the network dropped): what
  // changed since the figures were made was not heard (a report stored between the page's
  // making and the stream's opening, say), so they are fetched once.
  events.onopen = function () {
    if (!pending) pending = setTimeout(refresh, 1000);
    document.body.setAttribute("data-live", "1");
  };
})();
