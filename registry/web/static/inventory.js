/* The inventory upload: while it runs, the button is disabled and a progress indicator moves.
   The form is sent by XMLHttpRequest so that the upload's progress can be shown; the server answers
   with the results' address (or, for an error, the form again). Without this script the form posts
   as usual and the server redirects to the results. */
(function () {
  "use strict";
  var form = document.getElementById("inventory-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var button = document.getElementById("inventory-submit");
  var box = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-progress-bar");
  var text = document.getElementById("upload-progress-text");
  var timer = null;

  function say(template, name, value) { text.textContent = template.replace("{" + name + "}", String(value)); }

  function checking() {
    var started = Date.now();
    box.classList.add("upload-progress--checking");
    bar.removeAttribute("value");
    say(text.dataset.checking, "seconds", 0);
    timer = window.setInterval(function () {
      say(text.dataset.checking, "seconds", Math.round((Date.now() - started) / 1000));
    }, 1000);
  }

  function reset() {
    if (timer) { window.clearInterval(timer); timer = null; }
    button.disabled = false;
    button.removeAttribute("aria-busy");
    box.classList.remove("upload-progress--checking");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    box.hidden = false;
    bar.value = 0;
    say(text.dataset.uploading, "percent", 0);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "fetch");
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      say(text.dataset.uploading, "percent", percent);
    });
    request.upload.addEventListener("load", checking);
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        var answer = JSON.parse(request.responseText);
        window.location.assign(answer.location);
        return;
      }
      // The form again with its messages (422), or an error page: show it as the browser would.
      reset();
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      reset();
      text.textContent = text.dataset.failed;
    });
    request.send(new FormData(form));
  });
}());
