// Confirmation pop-ups. A link [data-dialog="<dialog id>"] leads to a confirmation page that
// works without JavaScript; with it, the link opens the native <dialog> instead, whose form
// posts to the link's URL. [data-fill="name"] inside the dialog shows the link's data-name.

export function initDialogs(root) {
  for (const link of root.querySelectorAll("a[data-dialog]")) {
    const dialog = document.getElementById(link.dataset.dialog);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const form = dialog.querySelector("form");
      form.action = link.href;
      for (const slot of dialog.querySelectorAll("[data-fill]")) {
        slot.textContent = link.dataset[slot.dataset.fill] || "";
      }
      for (const box of dialog.querySelectorAll("input[type=checkbox]")) box.checked = false;
      dialog.returnFocusTo = link;
      dialog.showModal();
    });
  }
  for (const dialog of root.querySelectorAll("dialog")) {
    dialog.addEventListener("close", () => dialog.returnFocusTo?.focus());
    // A click on the backdrop (outside the dialog box) cancels, as Escape does.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close("cancel");
    });
    dialog.querySelector("form")?.addEventListener("submit", (event) => {
      if (event.submitter?.getAttribute("formmethod") === "dialog") return;
      for (const button of dialog.querySelectorAll("button")) button.disabled = true;
    });
  }
}
