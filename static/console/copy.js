// Copy buttons: [data-copy="<input id>"] copies that input's value, [data-copy-text] its own text.
// [data-what] names what is copied ("Client Secret"): the button's accessible name and a
// polite live region say that it was copied, since a changed button text alone is not spoken.

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

function liveRegion() {
  let region = document.getElementById("copy-status");
  if (!region) {
    region = document.createElement("div");
    region.id = "copy-status";
    region.className = "visually-hidden";
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  return region;
}

function confirm(button, ok) {
  const what = button.dataset.what || "text";
  const label = button.dataset.label || button.textContent;
  const name = button.dataset.name || button.getAttribute("aria-label");
  button.dataset.label = label;
  button.dataset.name = name;
  button.textContent = ok ? "Copied" : "Press Ctrl+C";
  button.setAttribute("aria-label", ok ? `${what} copied` : `Copy failed: press Ctrl+C to copy the ${what}`);
  button.classList.toggle("is-copied", ok);
  liveRegion().textContent = ok
    ? `${what} copied to the clipboard.`
    : `Could not copy. The ${what} is selected: press Ctrl+C to copy it.`;
  clearTimeout(button._copyTimer);
  button._copyTimer = setTimeout(() => {
    button.textContent = label;
    button.setAttribute("aria-label", name);
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
