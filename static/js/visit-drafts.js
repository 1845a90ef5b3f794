// Visit drafts: what a township worker types into the visit form is kept on the phone until
// the server has confirmed the visit, so that nothing typed on a doorstep is lost to a dropped
// connection, a closed tab or a session that expired while the villager talked.
//
// - On the visit form (form[data-draft-key]), every change is saved in localStorage under
//   "landreform:visit-draft:<user id>:<case id>", with the form's hidden client_id. Opening
//   the form again restores the draft (same client_id: if the first post did reach the
//   server, the re-sent one is answered "already saved" and stored once) and says so, with a
//   button to discard it. A form the server sent back with errors shows what was posted and
//   is not overwritten by the draft.
// - Posting while the phone is offline is held back with a message; the draft stays.
// - A draft is removed when the server confirms its visit: the confirmation message carries
//   the client_id in its tags (cases.views.casework._visit_saved_message).
// - Every page lists the user's unsaved drafts with a link back to each form
//   (section#visit-drafts in base.html); log-out removes the user's drafts from the device;
//   a draft older than DRAFT_DAYS is dropped.
// No inline script (CSP); every text shown comes translated from the templates.
(function () {
  "use strict";

  var PREFIX = "landreform:visit-draft:";
  var DRAFT_DAYS = 7;
  var SKIP = { csrfmiddlewaretoken: true, next: true };
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  function storage() {
    try {
      var s = window.localStorage;
      s.getItem(PREFIX); // throws where storage is disabled
      return s;
    } catch (e) {
      return null;
    }
  }

  function read(store, key) {
    try {
      var draft = JSON.parse(store.getItem(key));
      if (draft && typeof draft === "object" && draft.fields) return draft;
    } catch (e) {
      /* a damaged entry is dropped below */
    }
    store.removeItem(key);
    return null;
  }

  // The drafts of one user (key prefix), dropping those past DRAFT_DAYS.
  function drafts(store, userPrefix) {
    var found = [];
    var now = Date.now();
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (!key || key.indexOf(userPrefix) !== 0) continue;
      var draft = read(store, key);
      if (!draft) continue;
      if (now - draft.savedAt > DRAFT_DAYS * 86400000) {
        store.removeItem(key);
        continue;
      }
      found.push({ key: key, draft: draft });
    }
    return found;
  }

  function serialize(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.disabled) return;
      if (el.type === "submit" || el.type === "button") return;
      var values = fields[el.name] || (fields[el.name] = []);
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) values.push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) {
          values.push(o.value);
        });
      } else {
        values.push(el.value);
      }
    });
    return fields;
  }

  function restore(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || !(el.name in fields)) return;
      var values = fields[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          o.selected = values.indexOf(o.value) !== -1;
        });
      } else if (el.type !== "submit" && el.type !== "button" && values.length) {
        el.value = values[0];
      }
    });
  }

  function setUpForm(store, form) {
    var key = form.dataset.draftKey;
    var notice = form.querySelector(".draft-notice");
    var offline = form.querySelector(".offline-notice");
    var saved = read(store, key);
    if (saved && !("draftKeepServer" in form.dataset)) {
      restore(form, saved.fields);
      if (notice) notice.hidden = false;
    }

    function save() {
      store.setItem(
        key,
        JSON.stringify({
          url: form.dataset.draftUrl,
          label: form.dataset.draftLabel,
          savedAt: Date.now(),
          fields: serialize(form),
        })
      );
    }
    if ("draftKeepServer" in form.dataset) save(); // what was posted, with the server's errors
    form.addEventListener("input", save);
    form.addEventListener("change", save);

    var discard = form.querySelector("[data-draft-discard]");
    if (discard) {
      discard.addEventListener("click", function () {
        store.removeItem(key);
        window.location.reload();
      });
    }

    // Before visit-form.js disables the button: an offline post would only show the
    // browser's error page. The draft is already saved; say so and keep the form usable.
    form.addEventListener(
      "submit",
      function (event) {
        save();
        if (navigator.onLine === false) {
          event.preventDefault();
          event.stopImmediatePropagation();
          if (offline) offline.hidden = false;
        } else if (offline) {
          offline.hidden = true;
        }
      },
      true
    );
  }

  // The visits the server confirmed on this page: their drafts are done.
  function clearConfirmed(store, userPrefix) {
    var confirmed = {};
    document.querySelectorAll(".messages li.visit-saved").forEach(function (li) {
      li.classList.forEach(function (name) {
        if (UUID.test(name)) confirmed[name.toLowerCase()] = true;
      });
    });
    drafts(store, userPrefix).forEach(function (entry) {
      var ids = entry.draft.fields.client_id || [];
      if (ids.length && confirmed[String(ids[0]).toLowerCase()]) store.removeItem(entry.key);
    });
  }

  function listDrafts(store, userPrefix, currentKey) {
    var section = document.getElementById("visit-drafts");
    if (!section) return;
    var list = section.querySelector("ul");
    var pending = drafts(store, userPrefix).filter(function (entry) {
      return entry.key !== currentKey && entry.draft.url;
    });
    pending.sort(function (a, b) {
      return a.draft.savedAt - b.draft.savedAt;
    });
    pending.forEach(function (entry) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.draft.url;
      link.textContent = entry.draft.label || entry.draft.url;
      li.appendChild(link);
      var when = document.createElement("span");
      when.className = "muted";
      when.textContent = new Date(entry.draft.savedAt).toLocaleString(document.documentElement.lang);
      li.appendChild(when);
      list.appendChild(li);
    });
    section.hidden = pending.length === 0;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    var section = document.getElementById("visit-drafts");
    var user = section ? section.dataset.user : null;
    if (!store || !user) return;
    var userPrefix = PREFIX + user + ":";

    clearConfirmed(store, userPrefix);
    var form = document.querySelector("form[data-draft-key]");
    if (form) setUpForm(store, form);
    listDrafts(store, userPrefix, form ? form.dataset.draftKey : null);

    document.querySelectorAll("form[data-clears-drafts]").forEach(function (logout) {
      logout.addEventListener("submit", function () {
        drafts(store, userPrefix).forEach(function (entry) {
          store.removeItem(entry.key);
        });
      });
    });
  });
})();
