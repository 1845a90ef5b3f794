// The deliberate reveal of a whole ID or phone number: a "show" button next to a masked number
// POSTs to its reveal URL (which logs who looked, at whose number, when) and shows the answer.
// Markup: templates/cases/partials/personal_number.html. No inline script (CSP).
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function reveal(button) {
    var body = new URLSearchParams();
    body.append("field", button.dataset.field);
    button.disabled = true;
    fetch(button.dataset.revealUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        var holder = button.closest(".personal-number");
        var value = holder && holder.querySelector(".personal-number-value");
        if (result.ok && value) {
          value.textContent = result.data.value;
          value.classList.add("revealed");
          button.remove();
        } else {
          button.disabled = false;
          button.title = (result.data && result.data.error) || "";
        }
      })
      .catch(function () {
        button.disabled = false;
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.reveal[data-reveal-url]");
    if (button) {
      event.preventDefault();
      reveal(button);
    }
  });
})();
