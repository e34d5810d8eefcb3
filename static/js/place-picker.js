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
//
// The latest choice wins, whatever the order of the fields: a place chosen (a match, a pin,
// a typed point) sets the neighbourhood nearest to it, even over one chosen before; a
// neighbourhood chosen afterwards stays. Whenever the point or the neighbourhood changes, the
// server says whether the point is far from the neighbourhood's centre, and the warning shows.
(function () {
  "use strict";
  var translate = window.coproduceText;

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
  var warningBox = picker.querySelector("[data-place-warning]");
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
      // Messages and names in the page's language, whatever the browser's.
      headers: {
        Accept: "application/json",
        "Accept-Language": document.documentElement.lang || "en-GB",
      },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  // Set the neighbourhood nearest the place chosen (whatever was chosen before); the message
  // to show, or "" when nothing changed.
  function suggestNeighbourhood(slug) {
    if (!slug || !neighbourhood) {
      return "";
    }
    var option = neighbourhood.querySelector("option[data-slug='" + CSS.escape(slug) + "']");
    if (!option || option.value === neighbourhood.value) {
      return "";
    }
    neighbourhood.value = option.value;
    var message = translate(
      "Neighbourhood set to %(neighbourhood)s, the nearest. Change it above if it is wrong.",
      { neighbourhood: option.textContent },
    );
    var note = picker.querySelector("[data-place-suggested]");
    if (!note) {
      note = element("p", { class: "hint", "data-place-suggested": "" });
      warningBox.parentNode.insertBefore(note, warningBox);
    }
    note.textContent = message;
    return " " + message;
  }

  function chosenSlug() {
    var option = neighbourhood?.selectedOptions[0];
    return option ? option.getAttribute("data-slug") || "" : "";
  }

  function showWarning(message) {
    if (!message) {
      warningBox.replaceChildren();
      return;
    }
    var text = message + " " + picker.getAttribute("data-warning-note");
    warningBox.replaceChildren(
      element("p", { class: "flash flash--warning", role: "status" }, text),
    );
  }

  function sameText(one, other) {
    return one.replace(/\s+/g, "").toUpperCase() === other.replace(/\s+/g, "").toUpperCase();
  }

  function choose(radio) {
    var point = radio.value.split(",");
    var name = radio.getAttribute("data-name");
    latitude.value = point[0];
    longitude.value = point[1];
    if (sameText(placeName.value, name)) {
      placeName.value = name; // a postcode as Royal Mail writes it: "ls53eh" is "LS5 3EH"
    }
    var message = translate("Latitude and longitude set for %(place)s.", { place: name });
    message += suggestNeighbourhood(radio.getAttribute("data-neighbourhood"));
    announce(message);
    checkPoint(false);
    picker.dispatchEvent(
      new CustomEvent("place-picker:chosen", {
        bubbles: true,
        detail: { latitude: parseFloat(point[0]), longitude: parseFloat(point[1]) },
      }),
    );
  }

  function showMatches(query, items, message) {
    if (!items.length) {
      say(
        message ||
          translate(
            "No place called “%(query)s” was found. Check the spelling, try the nearest town or neighbourhood, or put a pin on the map.",
            { query: query },
          ),
      );
      announce(translate("No places found."));
      return;
    }
    var fieldset = element("fieldset", {
      class: "choices",
      id: "place_match",
      "aria-describedby": "place_match-hint",
    });
    fieldset.appendChild(
      element("legend", null, translate("Places found for “%(query)s”", { query: query })),
    );
    fieldset.appendChild(
      element(
        "p",
        { class: "hint", id: "place_match-hint" },
        translate("Choosing one fills in the latitude and longitude."),
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
        details +=
          "; " +
          translate("neighbourhood %(neighbourhood)s", { neighbourhood: item.neighbourhood.name });
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
      window.coproduceCount("places found", items.length, {}, [
        "%(num)s place found.",
        "%(num)s places found. Choose one.",
      ]),
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
    announce(translate("Searching…"));
    ask(picker.getAttribute("data-search-url") + "?q=" + encodeURIComponent(query))
      .then(function (answer) {
        button.disabled = false;
        if (answer.status === 200 && answer.body.ok) {
          if (pending) {
            pending.value = "";
          }
          showMatches(query, answer.body.items, answer.body.message);
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

  // A point chosen (typed, or picked on the map): suggest the neighbourhood nearest to it,
  // and warn when the point is far from the neighbourhood chosen. With ``suggest`` false (the
  // person chose the neighbourhood), only the warning.
  var lastAsked = "";
  function checkPoint(suggest) {
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (!neighbourhood || !Number.isFinite(lat) || !Number.isFinite(lon)) {
      showWarning("");
      return;
    }
    if (!suggest && !chosenSlug()) {
      showWarning(""); // no neighbourhood chosen: nothing to disagree with, nothing to ask
      return;
    }
    var url =
      picker.getAttribute("data-neighbourhood-url") +
      "?lat=" +
      lat +
      "&lon=" +
      lon +
      "&neighbourhood=" +
      encodeURIComponent(chosenSlug());
    if (url === lastAsked) {
      return; // the map changes both boxes at once: ask once
    }
    lastAsked = url;
    ask(url)
      .then(function (answer) {
        if (answer.status !== 200) {
          return;
        }
        var found = answer.body.neighbourhood;
        var message = suggest ? suggestNeighbourhood(found?.slug) : "";
        if (message) {
          // The nearest centre is closer than any sensible warning distance: nothing to warn.
          announce(message.trim());
          showWarning("");
        } else {
          showWarning(answer.body.warning);
        }
      })
      .catch(function () {});
  }
  function pointChanged() {
    checkPoint(true);
  }
  if (neighbourhood) {
    neighbourhood.addEventListener("change", function () {
      lastAsked = "";
      checkPoint(false);
    });
  }
  latitude.addEventListener("change", pointChanged);
  longitude.addEventListener("change", pointChanged);
})();
