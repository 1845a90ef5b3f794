// Vote pages: the rule's citation and the subject warnings on set-up, the ballot sheet's
// search and keyboard help, the notice's print button. No inline script (CSP).
(function () {
  "use strict";

  function setUp() {
    var rule = document.querySelector("[data-rule-select]");
    if (!rule) return;
    var subject = document.querySelector("[data-subject-select]");
    var custom = document.querySelector("[data-custom-rule]");
    function update() {
      document.querySelectorAll(".rule-citations [data-rule]").forEach(function (li) {
        li.hidden = li.dataset.rule !== rule.value;
      });
      document.querySelectorAll(".subject-warnings [data-rule]").forEach(function (li) {
        li.hidden = li.dataset.rule !== rule.value || !subject || li.dataset.subject !== subject.value;
      });
      if (custom) custom.hidden = rule.value !== "custom";
    }
    rule.addEventListener("change", update);
    if (subject) subject.addEventListener("change", update);
    update();
  }

  function sheet() {
    var search = document.querySelector("[data-sheet-search]");
    if (!search) return;
    var pending = document.querySelector("[data-sheet-pending]");
    var count = document.querySelector("[data-sheet-count]");
    var none = document.querySelector("[data-sheet-none]");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".sheet-table tbody tr"));
    rows.forEach(function (tr) { tr.dataset.key = (tr.dataset.search || "").toLowerCase(); });
    function filter() {
      var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var onlyPending = pending && pending.checked;
      var shown = 0;
      var hits = 0;
      rows.forEach(function (tr) {
        var hit = words.every(function (w) { return tr.dataset.key.indexOf(w) !== -1; });
        var hide = !hit || (onlyPending && tr.classList.contains("recorded"));
        tr.hidden = hide;
        if (hit) hits += 1;
        if (!hide) shown += 1;
      });
      if (count) {
        count.textContent = count.dataset.words
          .replace("{shown}", shown).replace("{total}", rows.length);
      }
      // A search that shows no one says why: no such voter on the roll, or those found
      // already recorded and hidden by "only those not yet recorded" (a cadre at a door read
      // "0 shown" as "not on the roll").
      if (none) {
        none.hidden = !words.length || shown > 0;
        none.textContent = hits
          ? none.dataset.wordsRecorded.replace("{n}", hits)
          : none.dataset.wordsNone.replace("{search}", search.value.trim());
      }
    }
    search.addEventListener("input", filter);
    // "Only those not yet recorded" stays ticked through a save (the page reloads), in this
    // tab, for this vote: a stack of paper ballots is entered in several saves.
    var pendingKey = "landreform:sheet-pending:" + window.location.pathname;
    var session = null;
    try { session = window.sessionStorage; } catch (e) { /* storage disabled */ }
    if (pending && session && session.getItem(pendingKey) === "1") pending.checked = true;
    if (pending) {
      pending.addEventListener("change", function () {
        if (session) {
          if (pending.checked) session.setItem(pendingKey, "1");
          else session.removeItem(pendingKey);
        }
        filter();
      });
    }
    // Enter in the search box jumps to the first matching row instead of submitting.
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var first = rows.find(function (tr) { return !tr.hidden && tr.querySelector("input, select"); });
      if (first) first.querySelector("input, select").focus();
    });
    // Typing a proxy's name (or choosing one) switches "how cast" to proxy.
    document.querySelector(".sheet-table").addEventListener("input", function (event) {
      var name = event.target.name || "";
      if (!/^proxy(_member)?-\d+$/.test(name) || !event.target.value) return;
      var method = event.target.closest("tr").querySelector("select[name^=method-]");
      if (method) method.value = "proxy";
    });
    filter();
    // The tools stay in sight below the top bar, when the bar is pinned (wide screens).
    var tools = document.querySelector(".sheet-tools");
    var bar = document.querySelector(".topbar");
    function pin() {
      var pinned = bar && getComputedStyle(bar).position === "sticky";
      tools.style.top = (pinned ? bar.offsetHeight : 0) + "px";
    }
    pin();
    window.addEventListener("resize", pin);
    // After a save that refused rows, show the first of them (on a phone it may be hundreds
    // of cards below the message) with its choices ready.
    var refused = document.querySelector(".sheet-table tr.has-error");
    if (refused) {
      refused.scrollIntoView({block: "center"});
      var input = refused.querySelector("input, select");
      if (input) input.focus({preventScroll: true});
    }
  }

  function printing() {
    var button = document.querySelector("[data-print]");
    if (button) button.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp();
    sheet();
    printing();
  });
})();
