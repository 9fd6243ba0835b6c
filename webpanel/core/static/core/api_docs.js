// TC2 API docs: sign in for a JWT, then load the schema with it (the schema route needs a token).
(function () {
  "use strict";
  const TOKEN_KEY = "tc2.docs.access";
  const form = document.getElementById("tc2-login");
  const errorLine = document.getElementById("tc2-login-error");

  async function showDocs(access) {
    const response = await fetch("/api/schema/?format=json", {
      headers: { Authorization: "Bearer " + access },
    });
    if (!response.ok) {
      // Expired or revoked token: ask again rather than show an empty page.
      sessionStorage.removeItem(TOKEN_KEY);
      form.hidden = false;
      errorLine.textContent = "Your session has expired; sign in again.";
      return;
    }
    const spec = await response.json();
    form.hidden = true;
    window.ui = SwaggerUIBundle({
      spec: spec,
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      requestInterceptor: function (request) {
        if (!request.headers.Authorization) {
          request.headers.Authorization = "Bearer " + access;
        }
        return request;
      },
      onComplete: function () {
        window.ui.preauthorizeApiKey("jwtAuth", access);
      },
    });
  }

  async function signIn(event) {
    event.preventDefault();
    errorLine.textContent = "";
    const data = new FormData(form);
    const response = await fetch("/api/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: data.get("username"), password: data.get("password") }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      errorLine.textContent = (body.error && body.error.message) || response.statusText;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, body.access);
    showDocs(body.access);
  }

  form.addEventListener("submit", signIn);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    showDocs(saved);
  } else {
    form.hidden = false;
  }
})();
