// Entry point: progressive enhancements. Every page works without this file.
import { initAcknowledge } from "./acknowledge.js";
import { initAuthWays } from "./auth-way.js";
import { initCopyButtons } from "./copy.js";
import { initDialogs } from "./dialogs.js";
import { initDiscardGuard } from "./discard-guard.js";
import { initGracePeriods } from "./grace-period.js";
import { initLeaveGuard } from "./leave-guard.js";
import { initScopePickers } from "./scope-picker.js";
import { initSubmitOnce } from "./submit-once.js";

function start() {
  document.documentElement.classList.add("js");
  for (const element of document.querySelectorAll("[data-js-only]")) element.hidden = false;
  initCopyButtons(document);
  initDialogs(document);
  initGracePeriods(document);
  initAcknowledge(document);
  initScopePickers(document);
  initAuthWays(document);
  initSubmitOnce(document);
  initLeaveGuard(document);
  initDiscardGuard(document);
  // After a refused submission, start from the summary of what went wrong.
  document.querySelector("[data-error-summary]")?.focus();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
