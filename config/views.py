"""Error pages: JSON in the API shape under /api/, styled HTML elsewhere."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from config.api import json_error


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Return a 404 page, or the API error shape for API paths."""
    if request.path.startswith("/api/"):
        return json_error(request, 404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """Return a 500 page, or the API error shape for API paths."""
    if request.path.startswith("/api/"):
        return json_error(request, 500, "server_error", "Internal server error.")
    return defaults.server_error(request)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Return a 400 page, or the API error shape for API paths."""
    if request.path.startswith("/api/"):
        return json_error(request, 400, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Return a 403 page, or the API error shape for API paths."""
    if request.path.startswith("/api/"):
        return json_error(request, 403, "permission_denied", "Permission denied.")
    return defaults.permission_denied(request, exception)
