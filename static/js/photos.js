// Photos on the submission form: upload one in place, without leaving the page (and so
// without losing what is typed but not saved). Without this script "Add a photo" saves the
// draft and opens the upload page, so everything works without JavaScript too.
(function () {
  "use strict";

  var uploader = document.querySelector("[data-photo-uploader]");
  if (!uploader || !window.fetch || !window.FormData) {
    return;
  }
  var list = document.querySelector("[data-photo-rows]");
  var template = document.getElementById("photos-template");
  var step = document.querySelector("[data-add-photo-step]");
  var status = uploader.querySelector("[data-upload-status]");
  var button = uploader.querySelector("[data-upload-photo]");
  var maxBytes = Number(uploader.getAttribute("data-max-bytes"));
  var maxPhotos = Number(uploader.getAttribute("data-max-photos"));

  uploader.hidden = false;
  if (step) {
    step.hidden = true;
  }

  function field(name) {
    return uploader.querySelector('[data-upload-field="' + name + '"]');
  }

  function showErrors(errors) {
    uploader.querySelectorAll("[data-error-for]").forEach(function (paragraph) {
      var message = errors[paragraph.getAttribute("data-error-for")] || "";
      paragraph.textContent = message;
      paragraph.hidden = !message;
    });
  }

  function fill(node, index) {
    if (node.nodeType === Node.TEXT_NODE) {
      node.textContent = node.textContent.replace(/__number__/g, String(index + 1));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return;
    }
    Array.prototype.forEach.call(node.attributes, function (attribute) {
      attribute.value = attribute.value
        .replace(/__index__/g, String(index))
        .replace(/__number__/g, String(index + 1));
    });
    node.childNodes.forEach(function (child) {
      fill(child, index);
    });
  }

  function addRow(photo) {
    var index = list.querySelectorAll("[data-photo-row]").length;
    var row = template.content.firstElementChild.cloneNode(true);
    fill(row, index);
    var prefix = "photos-" + index + "-";
    row.querySelector('[name="' + prefix + 'photo_id"]').value = String(photo.id);
    ["alt", "caption", "credit"].forEach(function (name) {
      row.querySelector('[name="' + prefix + name + '"]').value = photo[name] || "";
    });
    list.appendChild(row);
    if (index + 1 >= maxPhotos) {
      uploader.hidden = true;
    }
  }

  function reset() {
    ["photo", "alt", "caption", "credit"].forEach(function (name) {
      field(name).value = "";
    });
    field("consent").checked = false;
  }

  button.addEventListener("click", function () {
    var file = field("photo").files[0];
    showErrors({});
    if (file && file.size > maxBytes) {
      showErrors({ photo: uploader.getAttribute("data-too-large") });
      field("photo").focus();
      return;
    }
    var body = new FormData();
    var token = document.querySelector('input[name="csrf_token"]');
    if (token) {
      body.append("csrf_token", token.value);
    }
    if (file) {
      body.append("photo", file);
    }
    ["alt", "caption", "credit"].forEach(function (name) {
      body.append(name, field(name).value);
    });
    if (field("consent").checked) {
      body.append("consent", "y");
    }
    button.disabled = true;
    status.textContent = "";
    fetch(uploader.getAttribute("data-upload-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, answer: answer };
        });
      })
      .then(function (result) {
        if (!result.ok) {
          showErrors(result.answer.errors || {});
          status.textContent = result.answer.error || uploader.getAttribute("data-failed");
          return;
        }
        addRow(result.answer.photo);
        reset();
        status.textContent = uploader.getAttribute("data-processing");
      })
      .catch(function () {
        status.textContent = uploader.getAttribute("data-failed");
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
