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
  // Move focus to the error summary after htmx swaps in a form with errors,
  // as a full page load would via autofocus.
  document.addEventListener("htmx:afterSettle", function () {
    var s = document.getElementById("error-summary");
    if (s) { s.focus(); }
  });
})();
