from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """The OpenAPI document as JSON by default (errors too), YAML with ?format=yaml."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]


urlpatterns = [
    path("", include("articles.api.urls")),
    path("annotations/", include("annotations.api.urls")),
    # the OpenAPI 3 document: token or session, like every other endpoint
    path("schema/", SchemaView.as_view(), name="api_schema"),
    # Swagger UI for people: a page, so it sends anonymous visitors to the login page. The
    # split view serves its start-up script as a file, which our CSP requires.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api_schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api_docs",
    ),
]
