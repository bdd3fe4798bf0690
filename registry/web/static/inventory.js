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
  var started = 0;
  var percent = 0;
  var phase = "uploading";

  function show() {
    var seconds = Math.round((Date.now() - started) / 1000);
    var template = phase === "uploading" ? text.dataset.uploading : text.dataset.checking;
    text.textContent = template.replace("{percent}", String(percent)).replace("{seconds}", String(seconds));
  }

  function checking() {
    phase = "checking";
    box.classList.add("upload-progress--checking");
    bar.removeAttribute("value");
    show();
  }

  function reset() {
    if (timer) { window.clearInterval(timer); timer = null; }
    button.disabled = false;
    button.removeAttribute("aria-busy");
    box.classList.remove("upload-progress--busy", "upload-progress--checking");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    box.hidden = false;
    box.classList.add("upload-progress--busy");
    started = Date.now();
    percent = 0;
    phase = "uploading";
    bar.value = 0;
    show();
    timer = window.setInterval(show, 1000);  // the seconds count up while the browser waits
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "fetch");
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      show();
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
