// Forms marked [data-submit-once] cannot be sent twice by a double click (the server also
// refuses a repeated create, see oauthapps/views.py).

export function initSubmitOnce(root) {
  for (const form of root.querySelectorAll("form[data-submit-once]")) {
    form.addEventListener("submit", () => {
      if (form.dataset.submitting) return;
      form.dataset.submitting = "true";
      // After this event, so that the clicked button's name/value is still sent.
      setTimeout(() => {
        for (const button of form.querySelectorAll("button[type=submit]")) {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
        }
      });
    });
  }
}
