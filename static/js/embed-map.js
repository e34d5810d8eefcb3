// The map layout of an embed: one dot per example at its public point.
//
// Points come from the page's JSON data island; popups are built from text nodes (titles are
// user text), and their links open our site in a new tab, like every link in an embed. Without
// this script the map stays hidden and the list beneath says everything it would.
(function () {
  "use strict";

  var DEFAULT_COLOUR = "#505a64";
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  var MAX_ZOOM = 18;

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

  function safeUrl(url) {
    try {
      var parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
    } catch (error) {
      return "#";
    }
  }

  function popup(point) {
    var box = element("div", "embed-popup");
    var title = element("p", "embed-popup__title");
    var link = element("a", null, point.title);
    link.href = safeUrl(point.url);
    link.target = "_blank";
    link.rel = "noopener";
    title.appendChild(link);
    box.appendChild(title);
    var details = [point.theme, point.neighbourhood].filter(Boolean).join(" · ");
    if (details) {
      box.appendChild(element("p", null, details));
    }
    return box;
  }

  function marker(point) {
    var dot = element("span", "embed-marker__dot");
    dot.style.backgroundColor = COLOUR.test(point.colour || "") ? point.colour : DEFAULT_COLOUR;
    var pin = L.marker([point.lat, point.lon], {
      icon: L.divIcon({ html: dot, className: "embed-marker", iconSize: [18, 18] }),
      title: String(point.title),
      keyboard: true,
      riseOnHover: true
    });
    pin.bindPopup(popup(point));
    return pin;
  }

  function setUp() {
    var container = document.getElementById("embed-map");
    var island = document.getElementById("embed-map-data");
    if (!container || !island || typeof L === "undefined") {
      return;
    }
    var points;
    try {
      points = JSON.parse(island.textContent).filter(function (point) {
        return isFinite(point.lat) && isFinite(point.lon);
      });
    } catch (error) {
      return;
    }
    if (!points.length) {
      return;
    }
    container.hidden = false;
    var status = document.getElementById("embed-map-status");
    var map = L.map(container, { maxZoom: MAX_ZOOM, scrollWheelZoom: false });
    var tiles = L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.tileAttribution,
      maxZoom: MAX_ZOOM
    });
    var failed = false;
    tiles.on("tileerror", function () {
      if (!failed) {
        failed = true;
        container.classList.add("embed-map--no-tiles");
        if (status) {
          status.textContent = "The background map could not be loaded.";
        }
      }
    });
    tiles.addTo(map);
    var bounds = points.map(function (point) {
      marker(point).addTo(map);
      return [point.lat, point.lon];
    });
    map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
