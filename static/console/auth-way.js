// "How the app proves who it is": show only the chosen way's fields, and fill in the issuer
// and subject pattern of a federated preset (GitHub Actions, Kubernetes). Without this file
// every field shows and the help text gives the same patterns.

export function initAuthWays(root) {
  for (const group of root.querySelectorAll("[data-auth-way]")) {
    const form = group.closest("form");
    const radios = group.querySelectorAll("input[type=radio]");
    const update = () => {
      const chosen = [...radios].find((radio) => radio.checked)?.value || "secret";
      for (const panel of form.querySelectorAll("[data-auth-panel]")) {
        panel.hidden = panel.dataset.authPanel !== chosen;
      }
    };
    for (const radio of radios) radio.addEventListener("change", update);
    update();
    const preset = form.querySelector("[data-federated-preset]");
    preset?.addEventListener("change", () => {
      const option = preset.selectedOptions[0];
      const issuer = form.querySelector("[name=federated_issuer]");
      const subject = form.querySelector("[name=federated_subject]");
      if (option.dataset.issuer !== undefined) issuer.value = option.dataset.issuer;
      if (option.dataset.subject) subject.value = option.dataset.subject;
      (option.dataset.issuer ? subject : issuer).focus();
    });
  }
}
