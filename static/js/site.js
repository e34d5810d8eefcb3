// Site-wide behaviour, loaded on every page. Everything works without it.
(function () {
  "use strict";
  // After a form comes back with errors, move focus to the summary so keyboard and
  // screen-reader users land on the list of problems (each links to its field).
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }

  // On a narrow screen a wide table scrolls sideways (site.css). While it does, it takes
  // keyboard focus, so it can be scrolled with the arrow keys too (WCAG 2.1.1).
  var tables = document.querySelectorAll(".table");
  function focusScrollingTables() {
    tables.forEach(function (table) {
      if (table.scrollWidth > table.clientWidth) {
        table.setAttribute("tabindex", "0");
      } else {
        table.removeAttribute("tabindex");
      }
    });
  }
  if (tables.length) {
    focusScrollingTables();
    window.addEventListener("resize", focusScrollingTables);
  }

  // A filter form leaves its blank fields out of the address it asks for, so shared and
  // bookmarked addresses hold only what was chosen (without this script the server
  // redirects to that address instead).
  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var blanks = Array.prototype.filter.call(form.elements, function (field) {
        var named = field.name && !field.disabled;
        var typed = field.tagName === "SELECT" || field.tagName === "INPUT";
        return named && typed && field.type !== "checkbox" && field.value.trim() === "";
      });
      blanks.forEach(function (field) {
        field.disabled = true;
      });
      // Back from the results, the browser may show this page as it was left: enable them.
      window.addEventListener(
        "pageshow",
        function () {
          blanks.forEach(function (field) {
            field.disabled = false;
          });
        },
        { once: true },
      );
    });
  });
})();
