// Participant and outcome rows on the submission form, added and removed in place.
// Without this script the same buttons post the form back and the server adds or removes
// the row (saving the draft), so everything works without JavaScript too.
(function () {
  "use strict";

  var status = document.getElementById("rows-status");

  function announce(message) {
    if (!status) {
      return;
    }
    // Clear first so the same words are announced again.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (child) {
      return child.hasAttribute("data-row");
    });
  }

  function firstField(row) {
    return row.querySelector("input:not([type=hidden]), select, textarea");
  }

  // Give every row of the list consecutive numbers: field names and ids
  // ("participants-2-name"), the labels and descriptions that point at them,
  // the legend ("Participant 3") and the remove button.
  function renumber(list) {
    var name = list.getAttribute("data-rows");
    var label = list.getAttribute("data-row-label");
    var pattern = new RegExp("^" + name + "-(\\d+|__index__)-");
    rowsOf(list).forEach(function (row, position) {
      var prefix = name + "-" + position + "-";
      var number = String(position + 1);
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(pattern, prefix));
          }
        });
        var described = element.getAttribute("aria-describedby");
        if (described) {
          element.setAttribute(
            "aria-describedby",
            described
              .split(/\s+/)
              .map(function (id) {
                return id.replace(pattern, prefix);
              })
              .join(" "),
          );
        }
      });
      var legend = row.querySelector("[data-row-legend]");
      if (legend) {
        legend.textContent = label + " " + number;
      }
      var remove = row.querySelector("[data-remove-row]");
      if (remove) {
        remove.value = String(position);
        remove.textContent = window.coproduceText("Remove %(label)s %(number)s", {
          label: label.toLowerCase(),
          number: number,
        });
      }
    });
  }

  function addRow(list, event) {
    var template = document.getElementById(list.getAttribute("data-rows") + "-template");
    var max = parseInt(list.getAttribute("data-max-rows"), 10);
    if (!template?.content || (max && rowsOf(list).length >= max)) {
      return; // let the button post the form: the server explains the limit
    }
    event.preventDefault();
    var row = template.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    renumber(list);
    var field = firstField(row);
    if (field) {
      field.focus();
    }
    announce(row.querySelector("[data-row-legend]").textContent + " added.");
  }

  function removeRow(list, button, event) {
    var row = button.closest("[data-row]");
    var rows = rowsOf(list);
    var position = rows.indexOf(row);
    if (position < 0) {
      return;
    }
    event.preventDefault();
    var removed = row.querySelector("[data-row-legend]").textContent;
    list.removeChild(row);
    renumber(list);
    var remaining = rowsOf(list);
    var next = remaining[Math.min(position, remaining.length - 1)];
    var focusTarget = next
      ? firstField(next)
      : document.querySelector("[data-add-row='" + list.id + "']");
    if (focusTarget) {
      focusTarget.focus();
    }
    announce(removed + " removed.");
  }

  document.querySelectorAll("[data-rows]").forEach(function (list) {
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (button && list.contains(button)) {
        removeRow(list, button, event);
      }
    });
  });

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var list = document.getElementById(button.getAttribute("data-add-row"));
    if (list) {
      button.addEventListener("click", function (event) {
        addRow(list, event);
      });
    }
  });
})();
