// hotline: the few behaviours that need script. Every page works without it.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-print]");
    if (t) {
      e.preventDefault();
      window.print();
    }
  });
  // 地域連携: a choice of the directory search fills the 紹介先 fields.
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-fill-member],[data-fill-facility]");
    if (!t) { return; }
    var m = document.getElementById("to_member"), f = document.getElementById("to_facility");
    var d = document.getElementById("to_department");
    if (!m || !f) { return; }
    m.value = t.getAttribute("data-fill-member") || "";
    f.value = t.getAttribute("data-fill-facility") || "";
    if (d && t.getAttribute("data-fill-department")) { d.value = t.getAttribute("data-fill-department"); }
    (m.value ? m : f).focus();
  });
  // Move focus to the error summary after htmx swaps in a form with errors,
  // as a full page load would via autofocus.
  document.addEventListener("htmx:afterSettle", function () {
    var s = document.getElementById("error-summary");
    if (s) { s.focus(); }
  });
  // data-htmx-ready on <body> counts the times htmx finished with the page:
  // 1 once it has processed the loaded page (boosted its links and forms),
  // one more after each swap has settled (the new content processed too).
  // Until then a click is the browser's own, not htmx's. Browser tests wait
  // for it (handlers/browsertest).
  var ready = 0;
  function markReady() { document.body.setAttribute("data-htmx-ready", String(++ready)); }
  document.addEventListener("htmx:load", function (e) {
    if (e.target === document.body) { markReady(); }
  });
  document.addEventListener("htmx:afterSettle", markReady);
})();
