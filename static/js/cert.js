// hotline: the certificate issue form (/cert). The form posts without htmx
// and its answer is the .p12 file itself, so the browser stays on the page,
// which also carries the import steps (that is all it takes without
// script). With script, once the download has begun the page moves on to
// the next steps: the form sends a random token, the server sets it as the
// cookie hotline_dl beside the file, and this waits for that cookie.
(function () {
  "use strict";
  if (window.hotlineCertDownload) { return; }
  window.hotlineCertDownload = true;

  function randomToken() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) {
      return ("0" + x.toString(16)).slice(-2);
    }).join("");
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-download-then]")) { return; }
    var field = form.querySelector("input[name=download_token]");
    if (!field || !window.crypto || !window.crypto.getRandomValues) { return; }
    var token = randomToken();
    field.value = token;
    var next = form.getAttribute("data-download-then");
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      if (document.cookie.split("; ").indexOf("hotline_dl=" + token) >= 0) {
        window.clearInterval(timer);
        document.cookie = "hotline_dl=; Max-Age=0; Path=/; Secure; SameSite=Strict";
        window.location.assign(next);
      } else if (tries > 480) { // two minutes
        window.clearInterval(timer);
      }
    }, 250);
  });
})();
