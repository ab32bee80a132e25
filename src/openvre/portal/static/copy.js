// Copy buttons: <button class="copy" data-copy="text"> puts the text on the clipboard.
(function () {
  "use strict";

  function fallbackCopy(text) {
    // navigator.clipboard exists only on https and localhost; elsewhere select and copy.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }

  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    const label = button.textContent;
    button.addEventListener("click", async function () {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
      } catch (ignored) {
        fallbackCopy(button.dataset.copy);
      }
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
})();
