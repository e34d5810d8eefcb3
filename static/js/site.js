// Site-wide behaviour, loaded on every page. Everything works without it.
(function () {
  "use strict";
  // After a form comes back with errors, move focus to the summary so keyboard and
  // screen-reader users land on the list of problems (each links to its field).
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
})();
