from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from rest_framework.authtoken.models import Token

from accounts.roles import CAPABILITIES, can
from accounts.services import token_create, token_revoke


@require_safe
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """Return the signed-in user's profile: role, what it allows, and the API token."""
    return _profile_page(request)


def _profile_page(request: HttpRequest, new_key: str | None = None) -> HttpResponse:
    allowed = [text for codename, text in CAPABILITIES.items() if can(request.user, codename)]
    token = Token.objects.filter(user=request.user).only("created").first()
    return render(
        request,
        "accounts/profile.html",
        {"allowed": allowed, "token": token, "new_key": new_key},
    )


@require_POST
@never_cache
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the user's API token and show its key, this once."""
    token = token_create(user=request.user)
    return _profile_page(request, new_key=token.key)


@require_POST
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke the user's API token: scripts using it get 401 from now on."""
    if token_revoke(user=request.user):
        messages.success(request, _("API token revoked."))
    return redirect("profile")
