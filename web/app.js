// defter — progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("keydown", function (e) {
  // Escape closes the open user menu.
  if (e.key === "Escape") {
    var m = document.querySelector("details.usermenu[open]");
    if (m) { m.removeAttribute("open"); var s = m.querySelector("summary"); if (s) s.focus(); }
  }
});
