// A one-time secret on screen, "Got it!" not ticked: leaving asks first. Links and forms
// (sidebar, breadcrumb, tabs, Log out, account switch) open the page's [data-leave-dialog];
// closing the tab, reloading or typing an address get the browser's own "Leave site?".

export function initLeaveGuard(root) {
  const form = root.querySelector("[data-ack-form]");
  const dialog = root.querySelector("[data-leave-dialog]");
  if (!form || !dialog || typeof dialog.showModal !== "function") return;
  const box = form.querySelector("[data-ack]");
  let leaving = false;
  let proceed = null;
  const guarded = () => !box.checked && !leaving;

  function ask(event, go) {
    event.preventDefault();
    event.stopImmediatePropagation();
    proceed = go;
    dialog.returnFocusTo = document.activeElement;
    dialog.showModal();
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest("a[href]");
      if (!link || !guarded() || link.target === "_blank" || link.hasAttribute("download")) return;
      if (link.getAttribute("href").startsWith("#")) return;
      ask(event, () => window.location.assign(link.href));
    },
    true,
  );
  document.addEventListener(
    "submit",
    (event) => {
      const other = event.target;
      if (other === form || !guarded()) return;
      const submitter = event.submitter;
      ask(event, () => other.requestSubmit(submitter));
    },
    true,
  );
  window.addEventListener("beforeunload", (event) => {
    if (!guarded()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  dialog.querySelector("[data-stay]").addEventListener("click", () => {
    proceed = null;
    dialog.close();
  });
  dialog.querySelector("[data-leave]").addEventListener("click", () => {
    leaving = true;
    dialog.close();
    proceed?.();
  });
}
