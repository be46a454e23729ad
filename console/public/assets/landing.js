// The page a browser lands on after an OAuth redirect (in the console's popup): tell the console
// that opened it how it ended, then close. The facts come from data-* attributes (no inline script).
(function () {
  "use strict";
  var main = document.getElementById("landing");
  if (!main || !window.opener) return;
  var message = {
    type: "dcaas-oauth-callback",
    status: main.dataset.status || "failed",
    connectionId: main.dataset.connection || null,
    code: main.dataset.code || null,
    detail: main.dataset.detail || null,
  };
  try {
    window.opener.postMessage(message, window.location.origin);
  } catch (e) {
    return;
  }
  if (message.status !== "failed") window.setTimeout(function () { window.close(); }, 300);
})();
