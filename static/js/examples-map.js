// A small map of examples (a cluster's page, an embed's map layout, one initiative's page):
// one dot per example at its public point. data-max-zoom: how close to come (15 by default);
// data-no-tiles: the script text to show when the tiles fail.
//
// Each map is an element with data-examples-map, whose attributes name its JSON data island
// (data-points), its status line (data-status), what to reveal once it works (data-reveal;
// the map itself by default) and its class prefix (data-classes: "map" on our pages, "embed"
// in embeds, where links open our site in a new tab: data-new-tab). Popups are built from
// text nodes, never HTML strings (titles are user text). Without this script the map stays
// hidden and the list of examples says everything it would.
(function () {
  "use strict";

  var dom = window.Coproduce.dom;
  var element = dom.element;
  var safeUrl = dom.safeUrl;
  var safeColour = dom.safeColour;
  var MAX_ZOOM = 18;

  function popup(point, prefix, newTab) {
    var box = element("div", prefix + "-popup");
    var title = element("p", prefix + "-popup__title");
    var link = element("a", null, point.title);
    link.href = safeUrl(point.url);
    if (newTab) {
      link.target = "_blank";
      link.rel = "noopener";
    }
    title.appendChild(link);
    box.appendChild(title);
    var details = [point.theme, point.neighbourhood].filter(Boolean).join(" · ");
    if (details) {
      box.appendChild(element("p", null, details));
    }
    return box;
  }

  function marker(point, prefix, newTab) {
    var dot = element("span", prefix + "-marker__dot");
    dot.style.backgroundColor = safeColour(point.colour);
    var pin = L.marker([point.lat, point.lon], {
      icon: L.divIcon({ html: dot, className: prefix + "-marker", iconSize: [24, 24] }),
      title: String(point.title),
      keyboard: true,
      riseOnHover: true,
    });
    pin.bindPopup(popup(point, prefix, newTab));
    pin.on("keypress", function (event) {
      if (event.originalEvent.key === " ") {
        event.originalEvent.preventDefault();
        pin.openPopup();
      }
    });
    return pin;
  }

  function readPoints(island) {
    try {
      return JSON.parse(island.textContent).filter(function (point) {
        return Number.isFinite(point.lat) && Number.isFinite(point.lon);
      });
    } catch (_error) {
      return [];
    }
  }

  function setUp(container) {
    var island = document.getElementById(container.dataset.points);
    var points = island ? readPoints(island) : [];
    if (!points.length) {
      return;
    }
    var prefix = container.dataset.classes || "map";
    var newTab = container.hasAttribute("data-new-tab");
    var reveal = document.getElementById(container.dataset.reveal) || container;
    var status = document.getElementById(container.dataset.status);
    reveal.hidden = false;
    container.hidden = false;
    var map = L.map(container, { maxZoom: MAX_ZOOM, scrollWheelZoom: false });
    var tiles = L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.tileAttribution,
      maxZoom: MAX_ZOOM,
    });
    var failed = false;
    tiles.on("tileerror", function () {
      if (!failed) {
        failed = true;
        container.classList.add(prefix + "--no-tiles");
        if (status) {
          status.textContent = window.coproduceText(
            container.dataset.noTiles ||
              "The background map could not be loaded. The examples are still shown.",
          );
        }
      }
    });
    tiles.addTo(map);
    if (newTab && map.attributionControl) {
      // In an embed even the attribution's links open a tab: their sites refuse framing.
      map.attributionControl
        .getContainer()
        .querySelectorAll("a")
        .forEach(function (link) {
          link.target = "_blank";
          link.rel = "noopener";
        });
    }
    var bounds = points.map(function (point) {
      marker(point, prefix, newTab).addTo(map);
      return [point.lat, point.lon];
    });
    var maxZoom = Number(container.dataset.maxZoom) || 15;
    map.fitBounds(bounds, { maxZoom: maxZoom, padding: [24, 24] });
  }

  function setUpAll() {
    if (typeof L === "undefined") {
      return;
    }
    document.querySelectorAll("[data-examples-map]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
