// The OAuth Scopes picker: text filter, "Select all" per area and per resource, a live
// "N of 100 selected" count, the selected scopes as a removable list, and refusal of any
// selection beyond the maximum, told in the status bar next to the count. A resource's
// `*` holds its actions: while it is ticked they show ticked and disabled ("Included in"),
// are not posted and do not count (the server drops them too: scopes/resolver.py).

function matches(item, words) {
  return words.every((word) => item.dataset.search.includes(word));
}

export function initScopePickers(root) {
  for (const picker of root.querySelectorAll("[data-scope-picker]")) initPicker(picker);
}

function chip(name) {
  const item = document.createElement("li");
  item.className = "chip";
  const code = document.createElement("code");
  code.textContent = name;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "chip-remove";
  remove.dataset.remove = name;
  remove.setAttribute("aria-label", `Remove ${name}`);
  remove.innerHTML = '<span aria-hidden="true">×</span>';
  item.append(code, remove);
  return item;
}

function initPicker(picker) {
  const max = Number(picker.dataset.max);
  const boxes = [...picker.querySelectorAll('input[name="scopes"]')];
  const count = picker.querySelector("[data-count]");
  const limitMessage = picker.querySelector("[data-limit-message]");
  const filter = picker.querySelector("[data-filter]");
  const noMatch = picker.querySelector("[data-no-match]");
  const areas = [...picker.querySelectorAll("[data-area]")];
  const selectedBox = picker.querySelector("[data-selected-scopes]");
  const selectedList = picker.querySelector("[data-selected-list]");

  const byValue = new Map(boxes.map((box) => [box.value, box]));
  const covered = boxes.filter((box) => box.dataset.coveredBy && byValue.has(box.dataset.coveredBy));
  const counted = (box) => box.checked && !box.disabled;
  const selectedCount = () => boxes.filter(counted).length;

  function applyCover() {
    for (const box of covered) {
      const held = byValue.get(box.dataset.coveredBy).checked;
      const note = document.getElementById(`${box.id}-covered`);
      if (held && !box.disabled) {
        box.dataset.own = String(box.checked);
        box.checked = true;
        box.disabled = true;
      } else if (!held && box.disabled) {
        box.disabled = false;
        box.checked = box.dataset.own === "true";
      }
      if (note) note.hidden = !held;
      box.setAttribute("aria-describedby", held ? `${box.id}-desc ${box.id}-covered` : `${box.id}-desc`);
    }
  }

  // Apply a change of ticks; undone (and refused) when it would exceed the maximum.
  function tryChange(change) {
    const before = boxes.map((box) => [box.checked, box.disabled, box.dataset.own]);
    change();
    applyCover();
    const wanted = selectedCount();
    if (wanted > max) {
      boxes.forEach((box, i) => {
        [box.checked, box.disabled] = before[i];
        if (before[i][2] === undefined) delete box.dataset.own;
        else box.dataset.own = before[i][2];
      });
      applyCover();
      refuse(wanted);
    } else {
      limitMessage.hidden = true;
    }
  }
  const visibleBoxes = (group) =>
    [...group.querySelectorAll('input[name="scopes"]')].filter(
      (box) => !box.closest("[data-scope-item]").hidden,
    );

  function refuse(wanted) {
    // Emptied first, so that a second refusal with the same words is announced again.
    limitMessage.textContent = "";
    limitMessage.hidden = false;
    requestAnimationFrame(() => {
      limitMessage.textContent =
        `You can select at most ${max} OAuth Scopes; this would make ${wanted}. ` +
        "Unselect some before adding more.";
    });
  }

  function showSelected() {
    if (!selectedList) return; // only when editing: see _scope_picker.html
    const names = boxes.filter(counted).map((box) => box.value).sort();
    const shown = [...selectedList.querySelectorAll("[data-remove]")].map((b) => b.dataset.remove);
    if (names.join("\n") === shown.join("\n")) return;
    selectedList.replaceChildren(...names.map(chip));
    selectedBox.hidden = names.length === 0;
  }

  function refresh() {
    const selected = selectedCount();
    count.textContent = String(selected);
    for (const area of areas) {
      const areaBoxes = [...area.querySelectorAll('input[name="scopes"]')];
      area.querySelector("[data-area-count]").textContent =
        `${areaBoxes.filter((box) => box.checked).length} of ${areaBoxes.length}`;
    }
    for (const toggle of picker.querySelectorAll("[data-select-group]")) {
      const group = toggle.closest("[data-resource]") || toggle.closest("[data-area]");
      const members = visibleBoxes(group);
      const checked = members.filter((box) => box.checked).length;
      toggle.checked = members.length > 0 && checked === members.length;
      toggle.indeterminate = checked > 0 && checked < members.length;
    }
    showSelected();
  }

  for (const box of boxes) {
    box.addEventListener("change", () => {
      const ticked = box.checked;
      box.checked = !ticked; // tried again below, with what it covers
      tryChange(() => {
        box.checked = ticked;
      });
      refresh();
    });
  }

  selectedList?.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-remove]");
    if (!remove) return;
    const box = boxes.find((candidate) => candidate.value === remove.dataset.remove);
    if (box) box.checked = false;
    applyCover();
    // Focus goes to the next chip's button (or the previous one), never to the page top.
    const item = remove.closest("li");
    const neighbour = item.nextElementSibling || item.previousElementSibling;
    const neighbourName = neighbour?.querySelector("[data-remove]")?.dataset.remove;
    limitMessage.hidden = true;
    refresh();
    const next = neighbourName && selectedList.querySelector(`[data-remove="${CSS.escape(neighbourName)}"]`);
    (next || picker.querySelector("[data-picker-all] > summary") || filter)?.focus();
  });

  for (const toggle of picker.querySelectorAll("[data-select-group]")) {
    toggle.addEventListener("change", () => {
      const group = toggle.closest("[data-resource]") || toggle.closest("[data-area]");
      const members = visibleBoxes(group);
      const ticked = toggle.checked;
      tryChange(() => {
        for (const box of members) {
          if (box.disabled) box.dataset.own = String(ticked);
          else box.checked = ticked;
        }
      });
      refresh();
    });
  }

  if (filter) {
    filter.addEventListener("input", () => {
      const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let anyVisible = false;
      for (const area of areas) {
        let areaVisible = false;
        for (const resource of area.querySelectorAll("[data-resource]")) {
          let resourceVisible = false;
          for (const item of resource.querySelectorAll("[data-scope-item]")) {
            item.hidden = words.length > 0 && !matches(item, words);
            resourceVisible ||= !item.hidden;
          }
          resource.hidden = !resourceVisible;
          areaVisible ||= resourceVisible;
        }
        area.hidden = !areaVisible;
        area.open = words.length > 0 && areaVisible;
        anyVisible ||= areaVisible;
      }
      noMatch.hidden = anyVisible;
      refresh();
    });
    // Enter in the filter must not submit the whole form.
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  }
  applyCover();
  refresh();
}
