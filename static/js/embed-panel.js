// The "Embed / subscribe" panel: the options update the preview and the snippets in place
// (without this script the form reloads the page with them), the preview fits its content,
// and "Copy" buttons put a snippet on the clipboard and say so in a status message.
(function () {
  "use strict";
  var translate = window.coproduceText;

  var panel = document.getElementById("embed-panel");
  if (!panel) {
    return;
  }
  var form = panel.querySelector("form");
  var preview = document.getElementById("embed-preview");
  var scriptSnippet = document.getElementById("embed-script-snippet");
  var iframeSnippet = document.getElementById("embed-iframe-snippet");
  var status = document.getElementById("embed-copy-status");
  var DEFAULTS = JSON.parse(panel.dataset.defaults);
  var NAMES = ["layout", "limit", "scheme"];
  var frameHeight = Number(preview.getAttribute("height")) || 400;

  function escapeAttribute(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/"/g, "&#34;")
      .replace(/'/g, "&#39;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");
  }

  // The chosen options; a limit out of range keeps the last good one (the field says why).
  function chosen() {
    var values = {};
    NAMES.forEach(function (name) {
      var field = form.elements[name];
      var value = field ? String(field.value || "").trim() : "";
      values[name] = value || DEFAULTS[name];
    });
    var limitField = form.elements.limit;
    if (limitField && !limitField.checkValidity()) {
      values.limit = limitField.dataset.lastGood || DEFAULTS.limit;
    } else if (limitField) {
      limitField.dataset.lastGood = values.limit;
    }
    return values;
  }

  function optionPairs(values) {
    return NAMES.filter(function (name) {
      return values[name] !== DEFAULTS[name];
    }).map(function (name) {
      return [name, values[name]];
    });
  }

  function embedUrl(values) {
    var base = panel.dataset.embedBase;
    var query = optionPairs(values)
      .map(function (pair) {
        return encodeURIComponent(pair[0]) + "=" + encodeURIComponent(pair[1]);
      })
      .join("&");
    if (!query) {
      return base;
    }
    return base + (base.indexOf("?") === -1 ? "?" : "&") + query;
  }

  function scriptHtml(values) {
    var attributes = [[panel.dataset.subject, panel.dataset.subjectValue]].concat(
      optionPairs(values),
      panel.dataset.lang ? [["lang", panel.dataset.lang]] : [],
    );
    var data = attributes
      .map(function (pair) {
        return " data-" + pair[0] + '="' + escapeAttribute(pair[1]) + '"';
      })
      .join("");
    return (
      '<script src="' +
      escapeAttribute(panel.dataset.scriptUrl) +
      '"' +
      data +
      " async></" +
      "script>"
    );
  }

  function iframeHtml(url) {
    return (
      '<iframe src="' +
      escapeAttribute(url) +
      '" title="' +
      escapeAttribute(panel.dataset.frameTitle) +
      '" width="100%" height="' +
      Math.ceil(frameHeight) +
      '" style="border:0;max-width:100%" loading="lazy"></iframe>'
    );
  }

  function update() {
    var values = chosen();
    var url = embedUrl(values);
    if (preview.getAttribute("src") !== url) {
      // Load the new preview at once, even scrolled out of view: a lazy frame would wait to be
      // seen, and the iframe snippet's height (reported by the preview) would stay the old one.
      preview.loading = "eager";
      preview.setAttribute("src", url);
    }
    scriptSnippet.value = scriptHtml(values);
    iframeSnippet.value = iframeHtml(url);
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    update();
    if (status) {
      status.textContent = translate("The preview and the snippets are up to date.");
    }
  });

  // The preview reports its height like any embed; only a message from the preview's own
  // window, on our own origin, is believed.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== preview.contentWindow || event.origin !== window.location.origin) {
      return;
    }
    if (data?.type !== "coproduce:height" || !Number.isFinite(Number(data.height))) {
      return;
    }
    frameHeight = Math.max(1, Math.min(Number(data.height), 20000));
    preview.style.height = Math.ceil(frameHeight) + "px";
    iframeSnippet.value = iframeHtml(preview.getAttribute("src"));
  });

  function copied(message) {
    if (status) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = message;
      }, 50);
    }
  }

  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) {
      return;
    }
    var message = button.dataset.copied || translate("Copied.");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () {
          copied(message);
        },
        function () {
          field.select();
          copied(
            translate(
              "Copying was not allowed: the text is selected, press Ctrl+C (or ⌘+C) to copy it.",
            ),
          );
        },
      );
      return;
    }
    field.focus();
    field.select();
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (_error) {
      done = false;
    }
    copied(done ? message : translate("The text is selected: press Ctrl+C (or ⌘+C) to copy it."));
  }

  Array.prototype.forEach.call(panel.querySelectorAll("[data-copy]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(button);
    });
  });
})();
