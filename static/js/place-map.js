// The map picker of the submission form: click the map (or press Enter on it) to put a pin on
// the place, drag the pin to move it. It fills #latitude and #longitude and sends them a
// "change" event, so place-picker.js suggests the neighbourhood; coordinates typed in those
// boxes, or a match chosen by "Find this place", move the pin. The boxes stay the accessible
// way to give a point: without this script (or Leaflet) the map stays hidden and nothing else
// changes. Without tiles the map still takes clicks on a plain grid.
(function () {
  "use strict";
  var translate = window.coproduceText;

  var DECIMALS = 6; // about 10 cm, as the server keeps them
  var GREAT_BRITAIN = [54.5, -3.0];
  var COUNTRY_ZOOM = 5;
  var NEIGHBOURHOOD_ZOOM = 14;
  var POINT_ZOOM = 16;

  var area = document.querySelector("[data-place-map]");
  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  if (!area || !window.L || !latitude || !longitude) {
    return;
  }
  var container = document.getElementById("place-map");
  var status = area.querySelector("[data-place-map-status]");
  var neighbourhood = document.getElementById("neighbourhood");
  var picker = document.querySelector("[data-place-picker]");
  var marker = null;
  area.hidden = false;

  function say(message) {
    status.textContent = message;
  }

  function rounded(number) {
    return String(Number(number.toFixed(DECIMALS)));
  }

  // The point in the boxes, or null when they do not hold one.
  function typedPoint() {
    var lat = Number(latitude.value.trim().replace(",", "."));
    var lon = Number(longitude.value.trim().replace(",", "."));
    if (latitude.value.trim() === "" || longitude.value.trim() === "") {
      return null;
    }
    if (
      !Number.isFinite(lat) ||
      !Number.isFinite(lon) ||
      Math.abs(lat) > 90 ||
      Math.abs(lon) > 180
    ) {
      return null;
    }
    return L.latLng(lat, lon);
  }

  function neighbourhoodCentre() {
    var option = neighbourhood?.selectedOptions[0];
    if (!option?.value) {
      return null;
    }
    var lat = Number(option.getAttribute("data-lat"));
    var lon = Number(option.getAttribute("data-lon"));
    return option.hasAttribute("data-lat") && Number.isFinite(lat) && Number.isFinite(lon)
      ? L.latLng(lat, lon)
      : null;
  }

  function pin(point) {
    if (marker) {
      marker.setLatLng(point);
      return;
    }
    marker = L.marker(point, {
      draggable: true,
      keyboard: false, // the boxes are the keyboard's way; the pin is no extra tab stop
      alt: translate("The place you chose"),
      title: translate("Drag to move"),
    }).addTo(map);
    marker.on("dragend", function () {
      fill(marker.getLatLng());
    });
  }

  // Put the point in the boxes as if typed, and tell the place picker.
  function fill(point) {
    var wrapped = point.wrap();
    latitude.value = rounded(wrapped.lat);
    longitude.value = rounded(wrapped.lng);
    pin(wrapped);
    [latitude, longitude].forEach(function (box) {
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    say(
      translate("Pin placed: latitude %(latitude)s, longitude %(longitude)s.", {
        latitude: latitude.value,
        longitude: longitude.value,
      }),
    );
  }

  // On a touch screen a swipe that starts on the map scrolls the form, as anywhere else on
  // the page (leaflet.css then lets the browser pan): the map takes one-finger dragging and
  // pinching only once it has been tapped or focused, and gives them back when focus leaves.
  var touch = window.matchMedia("(pointer: coarse)").matches || L.Browser.mobile;
  var map = L.map(container, {
    minZoom: 2,
    maxZoom: 18,
    scrollWheelZoom: false, // scrolling the form must not zoom the map
    keyboard: true,
    dragging: !touch,
    touchZoom: !touch,
  });
  function engage() {
    map.dragging.enable();
    map.touchZoom.enable();
  }
  if (touch) {
    map.on("click", engage);
    container.addEventListener("focus", engage);
    container.addEventListener("focusout", function (event) {
      if (!container.contains(event.relatedTarget)) {
        map.dragging.disable();
        map.touchZoom.disable();
      }
    });
  }
  var tiles = L.tileLayer(container.getAttribute("data-tile-url"), {
    attribution: container.getAttribute("data-tile-attribution"),
    maxZoom: 18,
  });
  var tilesFailed = false;
  tiles.on("tileerror", function () {
    if (!tilesFailed) {
      tilesFailed = true;
      container.classList.add("map--no-tiles");
      say(
        translate(
          "The background map could not be loaded. You can still click it to put the pin.",
        ),
      );
    }
  });
  tiles.addTo(map);

  var start = typedPoint();
  if (start) {
    map.setView(start, POINT_ZOOM);
    pin(start);
  } else if (neighbourhoodCentre()) {
    map.setView(neighbourhoodCentre(), NEIGHBOURHOOD_ZOOM);
  } else {
    map.setView(GREAT_BRITAIN, COUNTRY_ZOOM);
  }

  map.on("click", function (event) {
    fill(event.latlng);
  });
  container.addEventListener("keydown", function (event) {
    // Enter on the map itself (not on a control inside it) puts the pin at the centre.
    if (event.key === "Enter" && event.target === container) {
      event.preventDefault();
      fill(map.getCenter());
    }
  });

  // Coordinates typed in the boxes (or filled by a chosen match) move the pin.
  function followBoxes() {
    var point = typedPoint();
    if (!point) {
      return;
    }
    pin(point);
    if (!map.getBounds().pad(-0.1).contains(point)) {
      map.setView(point, Math.max(map.getZoom(), NEIGHBOURHOOD_ZOOM));
    }
  }
  latitude.addEventListener("change", followBoxes);
  longitude.addEventListener("change", followBoxes);
  if (picker) {
    picker.addEventListener("place-picker:chosen", function (event) {
      var point = L.latLng(event.detail.latitude, event.detail.longitude);
      pin(point);
      map.setView(point, Math.max(map.getZoom(), NEIGHBOURHOOD_ZOOM));
    });
  }
  // With no point yet, choosing a neighbourhood shows it.
  if (neighbourhood) {
    neighbourhood.addEventListener("change", function () {
      var centre = neighbourhoodCentre();
      if (centre && !marker) {
        map.setView(centre, NEIGHBOURHOOD_ZOOM);
      }
    });
  }
})();
