// An edit form's Cancel, with changes not saved: ask before throwing them away. The form is
// [data-discard-guard], its Cancel link [data-discard], the question [data-discard-dialog].

function snapshot(form) {
  return JSON.stringify([...new FormData(form).entries()].map(([name, value]) => [name, String(value)]));
}

export function initDiscardGuard(root) {
  for (const form of root.querySelectorAll("[data-discard-guard]")) {
    const cancel = form.querySelector("[data-discard]");
    const dialog = root.querySelector(`#${form.dataset.discardGuard}`);
    if (!cancel || !dialog || typeof dialog.showModal !== "function") continue;
    const loaded = snapshot(form);
    cancel.addEventListener("click", (event) => {
      if (snapshot(form) === loaded) return;
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelector("[data-keep-editing]").addEventListener("click", () => {
      dialog.close();
      cancel.focus();
    });
    dialog.querySelector("[data-discard-changes]").addEventListener("click", () => {
      window.location.assign(cancel.href);
    });
  }
}
