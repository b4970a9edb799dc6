// Quick exit: leave at once for a neutral site, replacing this page in history so that
// Back does not return. Triggered by the button or by pressing Shift three times.
(function () {
  "use strict";
  var button = document.querySelector("[data-quick-exit]");
  var target = button ? button.getAttribute("href") : "https://www.yr.no/";

  function leave() {
    try {
      document.title = "";
      document.body.style.visibility = "hidden";
    } catch (e) { /* leave anyway */ }
    window.location.replace(target);
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-quick-exit]");
    if (el) {
      event.preventDefault();
      leave();
    }
  });

  var presses = 0;
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    if (event.repeat) return;
    var now = Date.now();
    presses = now - last < 1000 ? presses + 1 : 1;
    last = now;
    if (presses >= 3) leave();
  });
})();
