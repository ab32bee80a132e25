// The deposit form's behaviour: file uploads with a progress bar each, and more creator rows.
//
// Each chosen file is PUT, one after the other, to the portal's same-origin endpoint
// (data-upload-url + the file's name). The session cookie and the page's CSRF token (sent in the
// X-CSRF-Token header) are the only credentials: no API token ever reaches the browser.
// XMLHttpRequest rather than fetch, because only it reports upload progress.
(function () {
  "use strict";

  function addFileRow(file) {
    const table = document.getElementById("files");
    const template = document.getElementById("file-row");
    const row = template.content.firstElementChild.cloneNode(true);
    row.dataset.key = file.key;
    const link = row.querySelector("a.file-key");
    link.textContent = file.key;
    link.href = file.url;
    row.querySelector(".file-size").textContent = file.size_text;
    row.querySelector(".file-md5").textContent = file.md5;
    row.querySelector(".file-key-input").value = file.key;
    row.querySelector("button").setAttribute("aria-label", "Remove " + file.key);
    const body = table.tBodies[0];
    const same = Array.from(body.rows).find(function (old) { return old.dataset.key === file.key; });
    if (same) { body.replaceChild(row, same); } else { body.appendChild(row); }
    table.hidden = false;
    document.getElementById("no-files").hidden = true;
  }

  function progressItem(name) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + name);
    const percent = document.createElement("span");
    percent.className = "percent";
    percent.textContent = "0 %";
    item.append(label, bar, percent);
    document.getElementById("upload-progress").appendChild(item);
    return {
      set: function (value) { bar.value = value; percent.textContent = value + " %"; },
      fail: function (message) {
        const error = document.createElement("span");
        error.className = "failed";
        error.setAttribute("role", "alert");
        error.textContent = name + " was not uploaded: " + message;
        item.appendChild(error);
      },
    };
  }

  function failure(request) {
    try {
      const problem = JSON.parse(request.responseText);
      return problem.detail || problem.message || request.statusText;
    } catch (ignored) {
      return request.status ? request.status + " " + request.statusText : "the connection failed";
    }
  }

  function upload(section, file) {
    const progress = progressItem(file.name);
    return new Promise(function (resolve) {
      const request = new XMLHttpRequest();
      request.open("PUT", section.dataset.uploadUrl + encodeURIComponent(file.name));
      request.setRequestHeader("X-CSRF-Token", section.dataset.csrfToken);
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.upload.addEventListener("progress", function (event) {
        // The last percent waits for the server: it has checked and stored the file only when it answers.
        if (event.lengthComputable) { progress.set(Math.min(99, Math.floor(100 * event.loaded / event.total))); }
      });
      request.addEventListener("load", function () {
        if (request.status === 201) {
          progress.set(100);
          addFileRow(JSON.parse(request.responseText));
        } else {
          progress.fail(failure(request));
        }
        resolve();
      });
      request.addEventListener("error", function () { progress.fail("the connection failed"); resolve(); });
      request.send(file);
    });
  }

  function setUpUploads() {
    const section = document.getElementById("upload");
    if (!section) { return; }
    const input = document.getElementById("upload-files");
    const start = document.getElementById("upload-start");
    start.addEventListener("click", async function () {
      start.disabled = true;
      for (const file of Array.from(input.files)) { await upload(section, file); }
      input.value = "";
      start.disabled = false;
    });
  }

  function setUpCreatorRows() {
    const button = document.getElementById("add-creator");
    const rows = document.getElementById("creator-rows");
    if (!button || !rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      const last = rows.lastElementChild;
      const index = Number(last.dataset.index) + 1;
      const row = last.cloneNode(true);
      row.dataset.index = String(index);
      row.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
      row.querySelectorAll(".field").forEach(function (field) { field.classList.remove("has-error"); });
      row.querySelectorAll("label").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/creators-\d+-/, "creators-" + index + "-");
        const hidden = label.querySelector(".visually-hidden");
        if (hidden) { hidden.textContent = "of creator " + (index + 1); }
      });
      row.querySelectorAll("input").forEach(function (input) {
        input.id = input.id.replace(/creators-\d+-/, "creators-" + index + "-");
        input.name = input.name.replace(/creators-\d+-/, "creators-" + index + "-");
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      });
      rows.appendChild(row);
      row.querySelector("input").focus();
    });
  }

  setUpUploads();
  setUpCreatorRows();
})();
