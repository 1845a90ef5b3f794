// Forms marked data-once are sent once: the submit button is disabled as soon as the form is
// submitted (the server also stores a visit once per client_id, so a re-sent form is harmless).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // Disable after the submission has started, so the button's own value is still sent.
        window.setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busyLabel) {
            button.textContent = button.dataset.busyLabel;
          }
        }, 0);
      });
    });
  });
});
