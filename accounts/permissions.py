"""DRF permission classes matching the page permissions."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import can


class HasRole(BasePermission):
    """Allows users holding the view's required_capability; by default 'browse'."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return can(request.user, getattr(view, "required_capability", "browse"))
