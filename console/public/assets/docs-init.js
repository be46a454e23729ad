// Swagger UI for /api/v1/docs, loaded from the assets installed with dcaas (no CDN, no inline
// script). "Authorize" takes an API key as a bearer token. Without one, calls carry the console's
// session cookie; state-changing ones then also need its CSRF token, which is fetched here.
(function () {
  "use strict";
  var csrf = null;
  fetch("/api/v1/console/session", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (me) { csrf = me && me.csrfToken; })
    .catch(function () { csrf = null; });
  window.ui = window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: false,
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: false,
    requestInterceptor: function (request) {
      var headers = request.headers || {};
      var method = (request.method || "GET").toUpperCase();
      var safe = method === "GET" || method === "HEAD" || method === "OPTIONS";
      if (!headers.Authorization && !safe && csrf) headers["X-CSRF-Token"] = csrf;
      request.headers = headers;
      return request;
    },
  });
})();
