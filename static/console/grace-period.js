// The rotation pop-up's Grace period: with 0, the current secret stops at once, and the
// pop-up says so as soon as 0 is entered (the help text says it without JavaScript too).

export function initGracePeriods(root) {
  for (const group of root.querySelectorAll("[data-grace-period]")) {
    const number = group.querySelector("input[type=number]");
    const note = group.querySelector("[data-grace-zero-note]");
    if (!number || !note) continue;
    const update = () => {
      note.hidden = !(number.value.trim() !== "" && Number(number.value) === 0);
    };
    number.addEventListener("input", update);
    update();
  }
}
