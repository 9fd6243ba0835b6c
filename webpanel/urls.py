"""Root URLs. Every API route lives under /api/; /healthz is outside it for container probes;
every other path belongs to the web panel (its files, or index.html for its client-side routes)."""

from django.urls import include, path, re_path

from webpanel.core.apis import ApiNotFoundApi, HealthzApi, SchemaApi, api_docs_page
from webpanel.core.web_panel import web_panel_page

api_patterns = [
    path("", include("webpanel.users.urls")),
    path("", include("webpanel.configuration.urls")),
    path("", include("webpanel.logs.urls")),
    path("", include("webpanel.jobs.urls")),
    path("", include("webpanel.data.urls")),
    path("", include("webpanel.program.urls")),
    path("", include("webpanel.strategy.urls")),
    path("", include("webpanel.health.urls")),
    path("", include("webpanel.visuals.urls")),
    path("", include("webpanel.trading.urls")),
    path("", include("webpanel.risk.urls")),
    path("schema/", SchemaApi.as_view(), name="api-schema"),
    path("docs/", api_docs_page, name="api-docs"),
]

urlpatterns = [
    path("healthz", HealthzApi.as_view(), name="healthz"),
    path("api/", include(api_patterns)),
    # Any other /api/ path is a JSON 404, whatever the method.
    re_path(r"^api(?:/|$)", ApiNotFoundApi.as_view(), name="api-not-found"),
    # Last: the web panel, for every path outside /api/, /static/ and /healthz.
    re_path(
        r"^(?!api(?:/|$)|static/|healthz(?:/|$))(?P<path>.*)$", web_panel_page, name="web-panel"
    ),
]

handler400 = "webpanel.core.apis.handler400"
handler404 = "webpanel.core.apis.handler404"
handler500 = "webpanel.core.apis.handler500"
