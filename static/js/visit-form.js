// Forms marked data-once are sent once: the submit button is disabled as soon as the form is
// submitted (the server also stores a visit once per client_id, so a re-sent form is harmless).
// Coming back to the page from the browser's cache (the back button after a failed post)
// enables the buttons again, so that the form can be sent once more.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        // Disable after the submission has started, so the button's own value is still sent.
        window.setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busyLabel) {
            if (!button.dataset.idleLabel) button.dataset.idleLabel = button.textContent;
            button.textContent = button.dataset.busyLabel;
          }
        }, 0);
      });
    });
  });
});

window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (button) {
    button.disabled = false;
    if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
  });
});
