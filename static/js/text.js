// The sentences scripts write, in the page's language: app/script_text.py lists them, the page
// carries them as JSON (#script-text), and this script is loaded in <head> so that every other
// script can look them up by their English. Named placeholders are filled from `values`.
(function () {
  "use strict";
  var given = { texts: {}, counts: {} };
  var source = document.getElementById("script-text");
  if (source) {
    try {
      given = JSON.parse(source.textContent);
    } catch (_error) {
      given = { texts: {}, counts: {} };
    }
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }
  window.coproduceText = function (english, values) {
    return fill(given.texts[english] || english, values);
  };
  // A counted sentence (app/script_text.py names the keys); English when the page gave none.
  window.coproduceCount = function (key, count, values, english) {
    var forms = given.counts[key];
    var text = forms ? forms[String(count)] || forms.other : english[count === 1 ? 0 : 1];
    return fill(text, Object.assign({ num: count }, values));
  };
})();
