// "Got it!" gating: the form's button ([data-ack-button]) is enabled only while the
// [data-ack] checkbox is ticked. Without JavaScript, the checkbox is `required` instead.

export function initAcknowledge(root) {
  for (const form of root.querySelectorAll("[data-ack-form]")) {
    const box = form.querySelector("[data-ack]");
    const button = form.querySelector("[data-ack-button]");
    const sync = () => {
      button.disabled = !box.checked;
    };
    box.addEventListener("change", sync);
    sync();
  }
}
