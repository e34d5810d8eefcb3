// The map of initiatives (and the small map on neighbourhood pages).
//
// Map cells and initiatives come from the server for the current view (never every point); the
// list beneath the full map follows the view, and the address keeps the view and the filters
// so it can be shared. Everything built from data uses text nodes and DOM properties, never
// HTML strings: titles are user text. Without this script the page shows the list and the form.
(function () {
  "use strict";
  var translate = window.coproduceText;

  var DEBOUNCE_MS = 250;
  var MAX_ZOOM = 18;
  var MIN_ZOOM = 2;
  var dom = window.Coproduce.dom;
  var element = dom.element;
  var safeUrl = dom.safeUrl;
  var safeColour = dom.safeColour;
  var VIEW_NAMES = ["zoom", "lat", "lon"];
  // Changing where to look (these filters) starts from the area they describe, not the old view.
  var PLACE_NAMES = ["near", "radius_km", "neighbourhood"];

  function swatch(colour) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("width", "12");
    svg.setAttribute("height", "12");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    rect.setAttribute("width", "12");
    rect.setAttribute("height", "12");
    rect.setAttribute("fill", safeColour(colour));
    svg.appendChild(rect);
    return svg;
  }

  function counted(key, count, english, values) {
    return window.coproduceCount(key, count, values, english);
  }

  function joinQuery(parts) {
    return parts.filter(Boolean).join("&");
  }

  function fixed(number, decimals) {
    return String(Number(number.toFixed(decimals)));
  }

  // The view as the API's bbox (min_lon,min_lat,max_lon,max_lat), inside the world's limits.
  function viewBox(map) {
    var bounds = map.getBounds();
    var west = Math.max(bounds.getWest(), -180);
    var south = Math.max(bounds.getSouth(), -90);
    var east = Math.min(bounds.getEast(), 180);
    var north = Math.min(bounds.getNorth(), 90);
    return [west, south, east, north]
      .map(function (value) {
        return fixed(value, 6);
      })
      .join(",");
  }

  // A fetch that cancels the one before it: only the latest view's answer is ever drawn.
  function latestOnly() {
    var controller = null;
    return function (url) {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      return fetch(url, {
        signal: controller.signal,
        headers: {
          Accept: "application/json, application/geo+json",
          // The answers' titles and names follow the page's language.
          "Accept-Language": document.documentElement.lang || "en-GB",
        },
        credentials: "same-origin",
      }).then(function (response) {
        return response
          .json()
          .catch(function () {
            return { ok: false };
          })
          .then(function (body) {
            if (!response.ok) {
              const failure = new Error(body?.error || "HTTP " + response.status);
              failure.status = response.status;
              throw failure;
            }
            return body;
          });
      });
    };
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  // Enter or Space on a focused marker (they are buttons to assistive technology).
  function activates(event) {
    var key = event.originalEvent.key;
    if (key === " ") {
      event.originalEvent.preventDefault();
    }
    return key === "Enter" || key === " ";
  }

  function initiativePopup(properties) {
    var popup = element("div", "map-popup");
    var title = element("p", "map-popup__title");
    var link = element("a", null, properties.title);
    link.href = safeUrl(properties.url);
    title.appendChild(link);
    popup.appendChild(title);
    if (properties.theme_name) {
      const theme = element("p", "map-popup__theme");
      theme.appendChild(swatch(properties.colour));
      theme.appendChild(document.createTextNode(" " + properties.theme_name));
      popup.appendChild(theme);
    }
    return popup;
  }

  function listItem(item) {
    var entry = element("li");
    if (item.thumbnail_url) {
      const thumbnail = element("img", "map-list__thumbnail");
      thumbnail.src = safeUrl(item.thumbnail_url);
      thumbnail.alt = String(item.thumbnail_alt || "");
      thumbnail.width = 80;
      thumbnail.loading = "lazy";
      entry.appendChild(thumbnail);
    }
    var link = element("a", null, item.title);
    link.href = safeUrl(item.url);
    entry.appendChild(link);
    entry.appendChild(document.createTextNode(" "));
    var meta = element("span", "map-list__meta");
    if (item.theme_name) {
      meta.appendChild(swatch(item.colour));
      meta.appendChild(document.createTextNode(" " + item.theme_name));
    }
    var details = [];
    if (item.neighbourhood) {
      details.push(item.neighbourhood);
    }
    if (item.status) {
      details.push(item.status);
    }
    if (item.distance_km !== null && item.distance_km !== undefined) {
      details.push(
        translate("%(distance)s km away", { distance: Number(item.distance_km).toFixed(1) }),
      );
    }
    if (details.length) {
      meta.appendChild(
        document.createTextNode((item.theme_name ? " · " : "") + details.join(" · ")),
      );
    }
    entry.appendChild(meta);
    return entry;
  }

  function countText(total, shown) {
    if (total > shown) {
      return counted(
        "initiatives in this view, the first listed",
        total,
        [
          "%(num)s initiative in this view. The first %(shown)s are listed here.",
          "%(num)s initiatives in this view. The first %(shown)s are listed here.",
        ],
        { shown: shown },
      );
    }
    return counted("initiatives in this view", total, [
      "%(num)s initiative in this view.",
      "%(num)s initiatives in this view.",
    ]);
  }

  function setUpMap(container) {
    var data = container.dataset;
    var full = data.mode !== "mini";
    var filters = data.filters || "";
    var fetchCells = latestOnly();
    var fetchList = latestOnly();
    var fetchPoint = latestOnly();
    var status = document.getElementById("map-status");

    function say(message) {
      if (status) {
        status.textContent = message;
      }
    }

    var map = L.map(container, {
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      scrollWheelZoom: full,
      worldCopyJump: false,
    });
    var tiles = L.tileLayer(data.tileUrl, {
      attribution: data.tileAttribution,
      maxZoom: MAX_ZOOM,
    });
    var tilesFailed = false;
    tiles.on("tileerror", function () {
      if (!tilesFailed) {
        tilesFailed = true;
        container.classList.add("map--no-tiles");
        say(translate("The background map could not be loaded. The initiatives are still shown."));
      }
    });
    tiles.addTo(map);
    var markers = L.layerGroup().addTo(map);

    if (data.near) {
      const near = data.near.split(",").map(Number);
      L.circle([near[0], near[1]], {
        radius: Number(data.radiusKm) * 1000,
        interactive: false,
        className: "map-near",
      }).addTo(map);
    }

    function withFilters(base, extra) {
      return base + "?" + joinQuery([filters, extra]);
    }

    // Keyboard users follow a popup: Enter moves the focus into it. However a popup was
    // opened (Enter or a click), Escape closes it and gives the focus back to the marker that
    // opened it; so does its close button when the focus was in it.
    var opener = null;

    function focusInto(popup) {
      var box = popup.getElement();
      if (!box) {
        return;
      }
      var first = box.querySelector(".leaflet-popup-content a[href]");
      (first || box).focus({ preventScroll: true });
    }

    function focusMarker(marker) {
      var element = marker?.getElement();
      if (element?.isConnected) {
        element.focus({ preventScroll: true });
      }
    }

    map.on("popupclose", function (event) {
      var marker = opener;
      opener = null;
      var box = event.popup.getElement();
      var focus = document.activeElement;
      if (!focus || focus === document.body || box?.contains(focus)) {
        focusMarker(marker);
      }
    });

    // On the document, before Leaflet's own Escape (which leaves the focus on the map): the
    // focus may be on the marker, in the popup, on the map or nowhere after a click.
    document.addEventListener(
      "keydown",
      function (event) {
        var focus = document.activeElement;
        var onMap = !focus || focus === document.body || container.contains(focus);
        if (event.key !== "Escape" || !opener || !onMap) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        var marker = opener;
        map.closePopup();
        focusMarker(marker);
      },
      true,
    );

    // Initiatives sharing one point cannot be told apart by zooming: list them in a popup.
    function showPoint(latlng, marker, fromKeyboard) {
      var box = [
        latlng.lng - 0.000001,
        latlng.lat - 0.000001,
        latlng.lng + 0.000001,
        latlng.lat + 0.000001,
      ]
        .map(function (value) {
          return fixed(value, 6);
        })
        .join(",");
      fetchPoint(withFilters(data.listUrl, "bbox=" + box))
        .then(function (body) {
          var popup = element("div", "map-popup");
          popup.appendChild(
            element(
              "p",
              "map-popup__title",
              counted("initiatives here", body.total, [
                "%(num)s initiative here",
                "%(num)s initiatives here",
              ]),
            ),
          );
          var list = element("ul", "map-popup__list");
          body.items.forEach(function (item) {
            var entry = element("li");
            var link = element("a", null, item.title);
            link.href = safeUrl(item.url);
            entry.appendChild(link);
            list.appendChild(entry);
          });
          popup.appendChild(list);
          var opened = L.popup().setLatLng(latlng).setContent(popup).openOn(map);
          opener = marker;
          if (fromKeyboard) {
            focusInto(opened);
          }
        })
        .catch(function (error) {
          if (!isAbort(error)) {
            say(translate("The initiatives here could not be loaded. Please try again."));
          }
        });
    }

    function cellMarker(latlng, properties) {
      var count = Number(properties.count);
      var label = element("span", "map-cluster__count", count);
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var pixels = { small: 34, medium: 42, large: 52 }[size];
      var marker = L.marker(latlng, {
        icon: L.divIcon({
          html: label,
          className: "map-cluster map-cluster--" + size,
          iconSize: [pixels, pixels],
        }),
        title: counted("initiatives, select to zoom in", count, [
          "%(num)s initiative: select to zoom in",
          "%(num)s initiatives: select to zoom in",
        ]),
        keyboard: true,
        riseOnHover: true,
      });
      marker.on("add", function () {
        marker
          .getElement()
          .setAttribute(
            "aria-label",
            counted("initiatives here, zoom in", count, [
              "%(num)s initiative here. Zoom in",
              "%(num)s initiatives here. Zoom in",
            ]),
          );
      });
      marker.on("click", function () {
        zoomIn(false);
      });
      marker.on("keypress", function (event) {
        if (activates(event)) {
          zoomIn(true);
        }
      });
      // From the keyboard the focus stays on the map (this marker is redrawn after the zoom),
      // so the arrow keys, + and − and Tab go on from there.
      function zoomIn(fromKeyboard) {
        var box = properties.bbox || [];
        var bounds = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
        var onePoint = box[0] === box[2] && box[1] === box[3];
        if (onePoint || map.getZoom() >= map.getMaxZoom()) {
          showPoint(onePoint ? bounds.getCenter() : latlng, marker, fromKeyboard);
          return;
        }
        var zoom = Math.min(
          Math.max(map.getBoundsZoom(bounds), map.getZoom() + 1),
          map.getMaxZoom(),
        );
        map.setView(bounds.getCenter(), zoom);
        if (fromKeyboard) {
          container.focus({ preventScroll: true });
          say(
            counted("zoomed in on initiatives", count, [
              "Zoomed in on %(num)s initiative.",
              "Zoomed in on %(num)s initiatives.",
            ]),
          );
        }
      }
      return marker;
    }

    function initiativeMarker(latlng, properties) {
      var dot = element("span", "map-marker__dot");
      dot.style.backgroundColor = safeColour(properties.colour);
      var marker = L.marker(latlng, {
        icon: L.divIcon({ html: dot, className: "map-marker", iconSize: [24, 24] }),
        title: String(properties.title),
        keyboard: true,
        riseOnHover: true,
      });
      marker.bindPopup(initiativePopup(properties));
      marker.on("popupopen", function () {
        opener = marker;
      });
      // Leaflet opens the popup on Enter (and a click); Space does the same here.
      marker.on("keypress", function (event) {
        if (event.originalEvent.key === " ") {
          event.originalEvent.preventDefault();
          marker.openPopup();
        }
        if (activates(event) && marker.isPopupOpen()) {
          focusInto(marker.getPopup());
        }
      });
      return marker;
    }

    // Markers that stay from one view to the next are kept, not redrawn, so keyboard focus
    // (and an open popup) survive moving the map.
    var shown = {};

    function keyOf(latlng, properties) {
      var where = latlng.lat + "," + latlng.lng;
      return properties.cluster
        ? "cell:" + where + ":" + properties.count + ":" + (properties.bbox || []).join(",")
        : "initiative:" + properties.id + ":" + where;
    }

    function draw(collection) {
      var next = {};
      (collection.features || []).forEach(function (feature) {
        var point = feature.geometry?.coordinates;
        if (!point) {
          return;
        }
        var latlng = L.latLng(point[1], point[0]);
        var properties = feature.properties || {};
        var key = keyOf(latlng, properties);
        next[key] =
          shown[key] ||
          (properties.cluster
            ? cellMarker(latlng, properties)
            : initiativeMarker(latlng, properties));
        markers.addLayer(next[key]);
      });
      Object.keys(shown).forEach(function (key) {
        if (!next[key]) {
          markers.removeLayer(shown[key]);
        }
      });
      shown = next;
    }

    var list = full && document.getElementById("map-list-items");

    function updateList(box) {
      fetchList(withFilters(data.listUrl, "bbox=" + box))
        .then(function (body) {
          document.getElementById("map-list-count").textContent = countText(
            body.total,
            body.items.length,
          );
          document.getElementById("map-list-link").href = safeUrl(body.list_url);
          var items = document.createDocumentFragment();
          body.items.forEach(function (item) {
            items.appendChild(listItem(item));
          });
          list.replaceChildren(items);
        })
        .catch(function (error) {
          if (!isAbort(error)) {
            say(
              translate("The list could not be brought up to date: %(problem)s", {
                problem: error.message,
              }),
            );
          }
        });
    }

    function viewQuery() {
      var centre = map.getCenter();
      return (
        "zoom=" + map.getZoom() + "&lat=" + fixed(centre.lat, 5) + "&lon=" + fixed(centre.lng, 5)
      );
    }

    function rememberView() {
      // The place name a person searched for is not a filter, but shows what "near" is near.
      var place = new URLSearchParams(window.location.search).get("place");
      var named = place ? new URLSearchParams({ place: place }).toString() : "";
      var query = joinQuery([filters, named, viewQuery()]);
      history.replaceState(history.state, "", window.location.pathname + "?" + query);
      var form = document.getElementById("map-filters");
      if (!form) {
        return;
      }
      var centre = map.getCenter();
      var values = { zoom: map.getZoom(), lat: fixed(centre.lat, 5), lon: fixed(centre.lng, 5) };
      VIEW_NAMES.forEach(function (name) {
        var input = form.querySelector("input[data-view][name='" + name + "']");
        if (!input) {
          input = element("input");
          input.type = "hidden";
          input.name = name;
          input.setAttribute("data-view", "");
          form.appendChild(input);
        }
        input.value = values[name];
      });
    }

    function refresh() {
      var box = viewBox(map);
      fetchCells(withFilters(data.clustersUrl, "bbox=" + box + "&zoom=" + map.getZoom()))
        .then(function (collection) {
          draw(collection);
          if (!tilesFailed) {
            say("");
          }
        })
        .catch(function (error) {
          if (!isAbort(error)) {
            say(
              translate("The initiatives could not be loaded for this view: %(problem)s", {
                problem: error.message,
              }),
            );
          }
        });
      if (full) {
        updateList(box);
        rememberView();
      }
    }

    var timer = null;
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DEBOUNCE_MS);
    });

    if (data.lat && data.lon) {
      map.setView([Number(data.lat), Number(data.lon)], Number(data.zoom));
    } else {
      const box = data.bounds.split(",").map(Number);
      map.fitBounds(
        [
          [box[1], box[0]],
          [box[3], box[2]],
        ],
        { maxZoom: full ? 14 : 15 },
      );
    }
    return map;
  }

  // The filter form sends only what was chosen; a new place or neighbourhood starts a new view.
  function setUpForm(form) {
    var initial = new URLSearchParams(new FormData(form));
    function placeOf(params) {
      return PLACE_NAMES.map(function (name) {
        return params.getAll(name).join(",");
      }).join(";");
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (String(value).trim() !== "") {
          params.append(name, value);
        }
      });
      // A typed place name the server looks up keeps its radius too.
      if (!params.get("near") && !params.get("near_place")) {
        params.delete("radius_km");
        params.delete("place");
      }
      if (placeOf(params) !== placeOf(initial)) {
        VIEW_NAMES.forEach(function (name) {
          params.delete(name);
        });
      }
      var query = params.toString();
      window.location.assign(form.action + (query ? "?" + query : ""));
    });
  }

  // "Near a place": search only when the person asks (never as they type), then choose.
  function setUpPlaceSearch(form, box) {
    var input = document.getElementById("place");
    var button = document.getElementById("place-search-button");
    var results = document.getElementById("place-results");
    var search = latestOnly();
    box.hidden = false;

    function choose(place) {
      form.elements.near.value =
        fixed(Number(place.latitude), 6) + "," + fixed(Number(place.longitude), 6);
      input.value = place.name;
      form.requestSubmit();
    }

    function show(items) {
      if (!items.length) {
        results.replaceChildren(
          element(
            "p",
            "error-message",
            translate("No place called “%(query)s” was found. Try a town or neighbourhood name.", {
              query: input.value.trim(),
            }),
          ),
        );
        return;
      }
      if (items.length === 1) {
        results.replaceChildren(
          element(
            "p",
            null,
            translate("Showing initiatives near %(place)s.", { place: items[0].name }),
          ),
        );
        choose(items[0]);
        return;
      }
      var heading = element("p", null, translate("Several places match. Choose one:"));
      var options = element("ul", "place-results__list");
      items.forEach(function (place) {
        var entry = element("li");
        // The address names the place and where it is ("Newport, Wales, United Kingdom").
        var pick = element("button", "link-button", place.address || place.name);
        pick.type = "button";
        pick.addEventListener("click", function () {
          choose(place);
        });
        entry.appendChild(pick);
        options.appendChild(entry);
      });
      results.replaceChildren(heading, options);
      var first = options.querySelector("button");
      if (first) {
        first.focus();
      }
    }

    function run() {
      var text = input.value.trim();
      if (!text) {
        results.replaceChildren(
          element("p", "error-message", translate("Type a place name first.")),
        );
        input.focus();
        return;
      }
      results.replaceChildren(element("p", null, translate("Searching…")));
      search(box.dataset.searchUrl + "?q=" + encodeURIComponent(text))
        .then(function (body) {
          show(body.items || []);
        })
        .catch(function (error) {
          if (isAbort(error)) {
            return;
          }
          var message =
            error.status === 429
              ? translate("Too many searches in a short time. Please wait a minute and try again.")
              : error.status === 400
                ? error.message
                : translate(
                    "The place search is not available at the moment. Try again later, or move the map to the place.",
                  );
          results.replaceChildren(element("p", "error-message", message));
        });
    }

    button.addEventListener("click", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        run();
      }
    });
  }

  var container = document.getElementById("map");
  if (container && window.L) {
    const area = document.getElementById("map-area");
    if (area) {
      area.hidden = false;
    }
    const skip = document.getElementById("skip-to-map");
    if (skip) {
      skip.hidden = false;
    }
    setUpMap(container);
  }
  var form = document.getElementById("map-filters");
  if (form) {
    setUpForm(form);
    const placeSearch = document.getElementById("place-search");
    if (placeSearch) {
      setUpPlaceSearch(form, placeSearch);
    }
  }
})();
