// DOM helpers shared by the maps (map.js, examples-map.js): elements built from text nodes and
// properties, never HTML strings, because titles and colours come from user data.
(function () {
  "use strict";

  var DEFAULT_COLOUR = "#505a64";
  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  // Only web links, on our own site or elsewhere: never javascript: or data: from the data.
  function safeUrl(url) {
    try {
      const parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
    } catch (_error) {
      return "#";
    }
  }

  // A theme colour as given (#rrggbb), or the neutral default for anything else.
  function safeColour(colour) {
    return COLOUR.test(colour || "") ? colour : DEFAULT_COLOUR;
  }

  window.Coproduce = window.Coproduce || {};
  window.Coproduce.dom = { element: element, safeUrl: safeUrl, safeColour: safeColour };
})();
