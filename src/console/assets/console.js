// Jejak staff console: the little script the pages use. Every page works without it; it
// only refreshes live numbers and shows upload progress. Shipped inside the binary.
(function () {
  "use strict";
  // Live parts: an element with data-refresh="N" is reloaded from the same URL every N s.
  document.querySelectorAll("[data-refresh]").forEach(function (el) {
    var secs = parseInt(el.getAttribute("data-refresh"), 10) || 30;
    var url = el.getAttribute("data-src") || window.location.href;
    setInterval(function () {
      fetch(url, { headers: { "X-Jejak-Fragment": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { el.innerHTML = html; } })
        .catch(function () {});
    }, secs * 1000);
  });
  // Uploads: a form with data-progress sends through XHR to show a progress bar, then shows
  // the page the server answers with.
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      ev.preventDefault();
      var bar = document.getElementById(form.getAttribute("data-progress"));
      if (bar) { bar.hidden = false; bar.value = 0; }
      var xhr = new XMLHttpRequest();
      xhr.open(form.method || "POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (bar && e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      };
      xhr.onload = function () {
        document.open();
        document.write(xhr.responseText);
        document.close();
      };
      xhr.onerror = function () { form.submit(); };
      xhr.send(new FormData(form));
    });
  });
})();
