// Kept out of the HTML so the page works under a Content-Security-Policy without inline scripts.
// Swagger UI 5 (OpenAPI 3.1); operation ids are shown so client authors see the generated names.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayOperationId: true,
    tryItOutEnabled: false,
  });
});
