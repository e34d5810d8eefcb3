// Inside an embed (a page under /embed/ that another site frames): tell the framing page how
// tall the content is, so its iframe can fit it without a scrollbar.
//
// The message carries only the height, the page's title and the frame's id (which /embed.js
// puts in the address's fragment as "#frame=<id>"); it is posted to "*" because any site may
// frame an embed, and it holds nothing private. The framing page checks where it came from.
(function () {
  "use strict";

  if (window.parent === window) {
    return;
  }
  var content = document.getElementById("embed") || document.body;
  var match = /(?:^#|&)frame=([A-Za-z0-9_-]{1,64})/.exec(window.location.hash);
  var id = match ? match[1] : "";
  var lastHeight = 0;

  // "See all N examples" waits hidden while the whole list is in view; a frame too short for
  // it (a fixed-height iframe snippet or oEmbed on a narrow screen) shows it.
  var more = document.querySelector("[data-overflow-only]");
  function revealMore() {
    if (!more) {
      return;
    }
    var rest = document.documentElement.scrollHeight - (more.hidden ? 0 : more.offsetHeight);
    more.hidden = rest <= window.innerHeight;
  }

  function report(force) {
    revealMore();
    var height = Math.ceil(content.getBoundingClientRect().height);
    if (!height || (height === lastHeight && !force)) {
      return;
    }
    lastHeight = height;
    window.parent.postMessage(
      { type: "coproduce:height", id: id, height: height, title: document.title },
      "*",
    );
  }

  // A framing page that started listening late (an iframe snippet placed before /embed.js)
  // asks again; only its own parent may ask.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source === window.parent && data && data.type === "coproduce:measure") {
      report(true);
    }
  });
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(function () {
      report(false);
    }).observe(content);
  }
  window.addEventListener("resize", function () {
    report(false);
  });
  window.addEventListener("load", function () {
    report(true);
  });
  report(true);
})();
