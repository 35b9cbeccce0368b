// Copy buttons: [data-copy="<input id>"] copies that input's value, [data-copy-text] its own text.

async function writeClipboard(text, fallbackInput) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallbackInput) return false;
    // Older browsers or a denied permission: select the text and use the legacy command.
    fallbackInput.focus();
    fallbackInput.select();
    return document.execCommand("copy");
  }
}

function confirm(button, ok) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
  button.classList.toggle("is-copied", ok);
  clearTimeout(button._copyTimer);
  button._copyTimer = setTimeout(() => {
    button.textContent = label;
    button.classList.remove("is-copied");
  }, 2500);
}

export function initCopyButtons(root) {
  for (const button of root.querySelectorAll("[data-copy], [data-copy-text]")) {
    button.addEventListener("click", async () => {
      const input = button.dataset.copy ? document.getElementById(button.dataset.copy) : null;
      const text = input ? input.value : button.dataset.copyText;
      confirm(button, await writeClipboard(text, input));
    });
  }
  for (const input of root.querySelectorAll("[data-select-on-focus]")) {
    input.addEventListener("focus", () => input.select());
  }
}
