// The place picker of the submission form: "Find this place" lists the matches in place, and
// choosing one fills in the latitude and longitude (and the neighbourhood, if none is chosen).
// Without this script the same buttons post the form and the server answers (saving the
// draft), so everything works without JavaScript too. When the place search is unavailable
// the script lets the button post the form: the server then saves the draft and keeps the
// place name to be placed on the map later.
//
// The map picker (place-map.js) fills #latitude and #longitude and sends them a "change"
// event; the picker then suggests the neighbourhood, worked out by our server without asking
// the geocoder, once per point (on "change", never as a person types or drags). Choosing a
// match sends "place-picker:chosen" (detail: {latitude, longitude}) from the picker element.
(function () {
  "use strict";

  var picker = document.querySelector("[data-place-picker]");
  if (!picker || !window.fetch) {
    return;
  }
  var form = picker.closest("form");
  var button = picker.querySelector("[data-find-place]");
  var matches = picker.querySelector("[data-place-matches]");
  var status = picker.querySelector("[data-place-status]");
  var placeName = document.getElementById("place_name");
  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  var pending = document.getElementById("location_pending");
  var neighbourhood = document.getElementById("neighbourhood");
  var posting = false;

  function announce(message) {
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) {
      node.appendChild(document.createTextNode(text));
    }
    return node;
  }

  function say(message, role) {
    matches.replaceChildren(element("p", { class: "hint", role: role || "status" }, message));
  }

  // Let the server do it: it saves the draft and keeps the place name for later.
  function postForm() {
    posting = true;
    button.disabled = false;
    if (form.requestSubmit) {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  }

  function ask(url) {
    return fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function suggestNeighbourhood(slug) {
    if (!slug || !neighbourhood || neighbourhood.value) {
      return "";
    }
    var option = neighbourhood.querySelector("option[data-slug='" + CSS.escape(slug) + "']");
    if (!option) {
      return "";
    }
    neighbourhood.value = option.value;
    return (
      " Neighbourhood set to " + option.textContent + ", the nearest; change it if it is wrong."
    );
  }

  function choose(radio) {
    var point = radio.value.split(",");
    latitude.value = point[0];
    longitude.value = point[1];
    var message = "Latitude and longitude set for " + radio.getAttribute("data-name") + ".";
    message += suggestNeighbourhood(radio.getAttribute("data-neighbourhood"));
    announce(message);
    picker.dispatchEvent(
      new CustomEvent("place-picker:chosen", {
        bubbles: true,
        detail: { latitude: parseFloat(point[0]), longitude: parseFloat(point[1]) },
      }),
    );
  }

  function showMatches(query, items) {
    if (!items.length) {
      say(
        "No place called “" +
          query +
          "” was found. Check the spelling, try the nearest " +
          "town or neighbourhood, or type the latitude and longitude.",
      );
      announce("No places found.");
      return;
    }
    var fieldset = element("fieldset", {
      class: "choices",
      id: "place_match",
      "aria-describedby": "place_match-hint",
    });
    fieldset.appendChild(element("legend", null, "Places found for “" + query + "”"));
    fieldset.appendChild(
      element(
        "p",
        { class: "hint", id: "place_match-hint" },
        "Choosing one fills in the latitude and longitude.",
      ),
    );
    items.forEach(function (item, position) {
      var id = "place_match-" + position;
      var row = element("div", { class: "checkbox" });
      var radio = element("input", {
        type: "radio",
        name: "place_match",
        id: id,
        value: item.latitude + "," + item.longitude,
        "data-name": item.name,
        "data-neighbourhood": item.neighbourhood ? item.neighbourhood.slug : "",
      });
      var label = element("label", { for: id }, item.name);
      var details = item.address;
      if (item.neighbourhood && item.neighbourhood.name !== item.name) {
        details += "; neighbourhood " + item.neighbourhood.name;
      }
      label.appendChild(element("span", { class: "hint" }, " (" + details + ")"));
      row.appendChild(radio);
      row.appendChild(label);
      fieldset.appendChild(row);
    });
    var wrapper = element("div", { class: "field" });
    wrapper.appendChild(fieldset);
    matches.replaceChildren(wrapper);
    announce(
      items.length === 1 ? "One place found." : items.length + " places found. Choose one.",
    );
    fieldset.querySelector("input").focus();
  }

  button.addEventListener("click", function (event) {
    var query = placeName.value.trim();
    if (posting || !query) {
      return; // with no place name the server looks up the typed coordinates
    }
    event.preventDefault();
    button.disabled = true;
    announce("Searching…");
    ask(picker.getAttribute("data-search-url") + "?q=" + encodeURIComponent(query))
      .then(function (answer) {
        button.disabled = false;
        if (answer.status === 200 && answer.body.ok) {
          if (pending) {
            pending.value = "";
          }
          showMatches(query, answer.body.items);
        } else if (answer.status === 400 || answer.status === 429) {
          say(answer.body.error, "alert");
        } else {
          postForm();
        }
      })
      .catch(postForm);
  });

  // Enter in the place box searches (elsewhere in the form it saves the draft).
  placeName.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      button.click();
    }
  });

  // Matches the server listed (after a post) work the same way.
  matches.addEventListener("change", function (event) {
    if (event.target.name === "place_match") {
      choose(event.target);
    }
  });

  // A new place name waits for the geocoder until it is looked up (the server keeps the flag).
  placeName.addEventListener("input", function () {
    if (pending) {
      pending.value = "1";
    }
  });

  // Typed (or map-picked) coordinates: suggest the neighbourhood when none is chosen.
  var lastAsked = "";
  function pointTyped() {
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (!neighbourhood || neighbourhood.value || !Number.isFinite(lat) || !Number.isFinite(lon)) {
      return;
    }
    var url = picker.getAttribute("data-neighbourhood-url") + "?lat=" + lat + "&lon=" + lon;
    if (url === lastAsked) {
      return; // the map changes both boxes at once: ask once
    }
    lastAsked = url;
    ask(url)
      .then(function (answer) {
        var found = answer.body.neighbourhood;
        var message = suggestNeighbourhood(found?.slug);
        if (message) {
          announce(message.trim());
        }
      })
      .catch(function () {});
  }
  if (neighbourhood) {
    neighbourhood.addEventListener("change", function () {
      lastAsked = "";
    });
  }
  latitude.addEventListener("change", pointTyped);
  longitude.addEventListener("change", pointTyped);
})();
