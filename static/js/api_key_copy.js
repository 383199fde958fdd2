// The copy button next to a newly created API key. Without JavaScript (or without the clipboard API
// outside a secure context) the button stays hidden and the key is selected by hand.
(function () {
  "use strict";
  for (const button of document.querySelectorAll("button[data-copy-target]")) {
    const source = document.getElementById(button.dataset.copyTarget);
    const status = button.parentElement.querySelector("[data-copy-status]");
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        () => { if (status) status.textContent = button.dataset.copiedText; },
        () => {
          // Refused (permissions): select the text so that Ctrl+C / Cmd+C works.
          const range = document.createRange();
          range.selectNodeContents(source);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
      );
    });
  }
})();
