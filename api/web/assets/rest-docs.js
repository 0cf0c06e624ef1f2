// Swagger UI (from npm, served from /static/vendor/) over this instance's OpenAPI document.
const host = document.getElementById("swagger-ui");
if (typeof window.SwaggerUIBundle !== "function") {
  host.textContent =
    "The Swagger UI assets did not load. They come from npm when the package is built; in a source " +
    "checkout, run scripts/build-graphiql.";
} else {
  host.replaceChildren();
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
  });
}
