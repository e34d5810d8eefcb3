/* Coproduce embed loader. Paste on any page:
 *
 *   <script src="https://<site>/embed.js" data-cluster="<slug>" async></script>
 *   <script src="https://<site>/embed.js" data-filter="theme=health&amp;neighbourhood=kirkstall" async></script>
 *
 * with optional data-layout (list, cards, map), data-limit, data-scheme (light, dark) and
 * data-lang (cy for Welsh).
 * Each such script is replaced in place by an iframe of the matching /embed/ page, which
 * reports its height so the iframe fits its content. The host page's CSS cannot reach inside
 * the iframe and ours cannot leak out. Any number of widgets may share a page, and plain
 * iframe snippets of the same site on the page are resized too.
 */
(function () {
  "use strict";

  var REGISTRY = "__coproduceEmbeds";
  var MAX_HEIGHT = 20000;
  var OPTIONS = ["layout", "limit", "scheme", "lang"];
  var registry = window[REGISTRY];
  if (!registry) {
    registry = window[REGISTRY] = { frames: [], scripts: [], count: 0 };
    window.addEventListener("message", receive);
  }

  // Only a height from one of our frames, sent by that frame's own window, counts.
  function receive(event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "coproduce:height") {
      return;
    }
    registry.frames.forEach(function (entry) {
      if (event.source !== entry.frame.contentWindow || event.origin !== entry.origin) {
        return;
      }
      if (entry.id && data.id !== entry.id) {
        return;
      }
      var height = Number(data.height);
      if (!Number.isFinite(height) || height <= 0) {
        return;
      }
      entry.frame.style.height = Math.min(Math.ceil(height), MAX_HEIGHT) + "px";
      if (typeof data.title === "string" && data.title) {
        entry.frame.title = data.title.slice(0, 300);
      }
    });
  }

  function isLoader(script) {
    try {
      return /\/embed\.js$/.test(new URL(script.src, document.baseURI).pathname);
    } catch (_error) {
      return false;
    }
  }

  // The site's address ("https://site/" or "https://site/prefix/") from the script's own src.
  function siteOf(script) {
    var url = new URL(script.src, document.baseURI);
    return { origin: url.origin, base: url.origin + url.pathname.replace(/embed\.js$/, "") };
  }

  function optionsOf(script) {
    var params = new URLSearchParams();
    OPTIONS.forEach(function (name) {
      var value = script.getAttribute("data-" + name);
      if (value) {
        params.set(name, value.trim());
      }
    });
    return params;
  }

  function embedAddress(script, base) {
    var params = optionsOf(script);
    var address;
    if (script.hasAttribute("data-cluster")) {
      address =
        base + "embed/clusters/" + encodeURIComponent(script.getAttribute("data-cluster").trim());
    } else if (script.hasAttribute("data-filter")) {
      const filters = new URLSearchParams(script.getAttribute("data-filter").replace(/^\?/, ""));
      OPTIONS.forEach(function (name) {
        filters.delete(name);
      });
      params.forEach(function (value, name) {
        filters.append(name, value);
      });
      params = filters;
      address = base + "embed/initiatives";
    } else {
      return null;
    }
    var query = params.toString();
    return address + (query ? "?" + query : "");
  }

  function register(frame, origin, id) {
    registry.frames.push({ frame: frame, origin: origin, id: id });
  }

  function insertFrame(script) {
    var site = siteOf(script);
    var address = embedAddress(script, site.base);
    if (!address) {
      return;
    }
    registry.count += 1;
    var id = "coproduce-embed-" + registry.count;
    var frame = document.createElement("iframe");
    frame.src = address + "#frame=" + id;
    frame.id = id;
    frame.title = script.getAttribute("data-title") || "Examples of neighbourhood co-production";
    frame.className = "coproduce-embed";
    frame.setAttribute("width", "100%");
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.maxWidth = "100%";
    frame.style.display = "block";
    frame.style.height = "150px";
    register(frame, site.origin, id);
    script.parentNode.insertBefore(frame, script.nextSibling);
  }

  // Whether a frame already shows its page from our site. Until then it holds the empty
  // document it started with (readable from here, as the host page's), and a message to our
  // origin would only make the browser warn that the origins differ: its "load" asks instead.
  function showsOurPage(frame) {
    var inside = null;
    try {
      inside = frame.contentDocument;
    } catch (_error) {
      return true;
    }
    return inside ? inside.URL !== "about:blank" : Boolean(frame.contentWindow);
  }

  // Plain iframe snippets of the same site: resize them too, and ask them for their height
  // in case they reported it before anyone listened.
  function adoptFrames(origin) {
    var frames = document.querySelectorAll("iframe[src]");
    Array.prototype.forEach.call(frames, function (frame) {
      var known = registry.frames.some(function (entry) {
        return entry.frame === frame;
      });
      if (known) {
        return;
      }
      var url;
      try {
        url = new URL(frame.src, document.baseURI);
      } catch (_error) {
        return;
      }
      if (url.origin !== origin || url.pathname.indexOf("/embed/") === -1) {
        return;
      }
      register(frame, origin, "");
      var ask = function () {
        if (frame.contentWindow) {
          frame.contentWindow.postMessage({ type: "coproduce:measure" }, origin);
        }
      };
      frame.addEventListener("load", ask);
      if (showsOurPage(frame)) {
        ask();
      }
    });
  }

  function processAll() {
    var scripts = [];
    if (document.currentScript && isLoader(document.currentScript)) {
      scripts.push(document.currentScript);
    }
    Array.prototype.forEach.call(document.querySelectorAll("script[src]"), function (script) {
      if (scripts.indexOf(script) === -1 && isLoader(script)) {
        scripts.push(script);
      }
    });
    var origins = [];
    scripts.forEach(function (script) {
      var origin = siteOf(script).origin;
      if (origins.indexOf(origin) === -1) {
        origins.push(origin);
      }
      if (registry.scripts.indexOf(script) !== -1 || !script.parentNode) {
        return;
      }
      registry.scripts.push(script);
      insertFrame(script);
    });
    origins.forEach(adoptFrames);
  }

  processAll();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", processAll);
  }
})();
