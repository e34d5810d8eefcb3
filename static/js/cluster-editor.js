// The cluster editor: the "Saved filter" box shows only while "A saved filter" is chosen.
// Without this script both stay visible, and a hand-picked cluster ignores the filter box.
(function () {
  "use strict";

  function setUp() {
    var box = document.getElementById("filter-query-field");
    var choices = document.querySelectorAll("input[name='kind']");
    if (!box || !choices.length) {
      return;
    }
    function follow() {
      var chosen = document.querySelector("input[name='kind']:checked");
      // A box holding an error stays in view, whatever is chosen.
      box.hidden = !!chosen && chosen.value !== "filter" && !box.querySelector(".error-message");
    }
    Array.prototype.forEach.call(choices, function (choice) {
      choice.addEventListener("change", follow);
    });
    follow();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
