// Roster import page: poll the job's status and reload when the stage changes.
(function () {
  "use strict";
  var box = document.querySelector(".import-progress[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var status = box.getAttribute("data-status");
  var bar = box.querySelector("progress");
  var count = box.querySelector(".import-count");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.status !== status) {
          window.location.reload();
          return;
        }
        if (job.total && bar) {
          bar.max = job.total;
          bar.value = job.done;
          if (count) count.textContent = job.done + " / " + job.total;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
