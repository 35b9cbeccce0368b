// Django admin, OAuth app form: SelectFilter2.js (run on "load") labels its search icons
// with aria-label on a plain <span>, which ARIA prohibits (axe: aria-prohibited-attr). As
// images, their label is allowed and still read.
// This file loads before SelectFilter2.js, so its own "load" listener runs first: wait a turn.
window.addEventListener("load", () => {
  setTimeout(() => {
    for (const icon of document.querySelectorAll(".search-label-icon[aria-label]:not([role])")) {
      icon.setAttribute("role", "img");
    }
  });
});
