// The small map on a cluster's page: one dot per example, at its public point.
//
// The points come from the page's JSON data island; popups are built from text nodes and DOM
// properties, never HTML strings (titles are user text). Without this script the section
// stays hidden and the list of examples says everything the map would.
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

  // Only web links: never javascript: or data: from the data.
  function safeUrl(url) {
    try {
      var parsed = new URL(String(url), window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
    } catch (error) {
      return "#";
    }
  }

  function popup(point) {
    var box = element("div", "map-popup");
    var title = element("p", "map-popup__title");
    var link = element("a", null, point.title);
    link.href = safeUrl(point.url);
    title.appendChild(link);
    box.appendChild(title);
    var details = [point.theme, point.neighbourhood].filter(Boolean).join(" · ");
    if (details) {
      box.appendChild(element("p", null, details));
    }
    return box;
  }

  function marker(point) {
    var dot = element("span", "map-marker__dot");
    dot.style.backgroundColor = COLOUR.test(point.colour || "") ? point.colour : DEFAULT_COLOUR;
    var pin = L.marker([point.lat, point.lon], {
      icon: L.divIcon({ html: dot, className: "map-marker", iconSize: [20, 20] }),
      title: String(point.title),
      keyboard: true,
      riseOnHover: true
    });
    pin.bindPopup(popup(point));
    pin.on("keypress", function (event) {
      if (event.originalEvent.key === " ") {
        event.originalEvent.preventDefault();
        pin.openPopup();
      }
    });
    return pin;
  }

  function setUp() {
    var section = document.getElementById("cluster-map-section");
    var container = document.getElementById("cluster-map");
    var island = document.getElementById("cluster-map-data");
    if (!section || !container || !island || typeof L === "undefined") {
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
    section.hidden = false;
    var status = document.getElementById("cluster-map-status");
    var map = L.map(container, { maxZoom: MAX_ZOOM, scrollWheelZoom: false });
    var tiles = L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.tileAttribution,
      maxZoom: MAX_ZOOM
    });
    var failed = false;
    tiles.on("tileerror", function () {
      if (!failed) {
        failed = true;
        container.classList.add("map--no-tiles");
        if (status) {
          status.textContent = "The background map could not be loaded. The examples are still shown.";
        }
      }
    });
    tiles.addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      marker(point).addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
