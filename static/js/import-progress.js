// The progress of a check or an import, followed without reloading: the page asks its status
// (JSON) every two seconds, updates the counters, and reloads once the work is done to show
// the report. Without this script the page reloads itself (a meta refresh in <noscript>).
(function () {
  "use strict";

  var section = document.getElementById("import-progress");
  if (!section || !window.fetch) {
    return;
  }
  var url = section.getAttribute("data-status-url");
  var step = document.getElementById("import-step");
  var every = 2000;

  function show(progress, state) {
    var counters = section.querySelectorAll("[data-counter]");
    Array.prototype.forEach.call(counters, function (counter) {
      var value = progress[counter.getAttribute("data-counter")];
      counter.textContent = String(value === undefined ? 0 : value);
    });
    var name = state === "running" ? progress.step : "queued";
    var words = section.getAttribute("data-step-" + name);
    if (words && step && step.textContent !== words) {
      step.textContent = words;
    }
  }

  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        show(status.progress || {}, status.state);
        if (status.finished) {
          window.location.assign(status.url);
        } else {
          window.setTimeout(ask, every);
        }
      })
      .catch(function () {
        // A network hiccup: try again a little later.
        window.setTimeout(ask, every * 2);
      });
  }

  window.setTimeout(ask, every);
})();
