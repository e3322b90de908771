"""Error pages: JSON in the API shape under /api/, styled HTML elsewhere."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from config.api import json_error


def _api_aware(page: Callable[..., HttpResponse], status: int, code: str, message: str):
    """Return an error handler answering API paths in the one error shape, pages with page."""

    @login_not_required
    def handler(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.path.startswith("/api/"):
            return json_error(request, status, code, message)
        return page(request, *args, **kwargs)

    return handler


bad_request = _api_aware(defaults.bad_request, 400, "bad_request", "Bad request.")
permission_denied = _api_aware(
    defaults.permission_denied, 403, "permission_denied", "Permission denied."
)
page_not_found = _api_aware(defaults.page_not_found, 404, "not_found", "Not found.")
server_error = _api_aware(defaults.server_error, 500, "server_error", "Internal server error.")
