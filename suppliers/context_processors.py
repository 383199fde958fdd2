from django.http import HttpRequest

from suppliers import access


def portal(request: HttpRequest) -> dict:
    """Navigation facts for the base layout."""
    user = getattr(request, "user", None)
    viewer = access.viewer_for(user)
    return {
        "nav_is_staff": viewer.is_staff,
        "nav_is_supplier": viewer.is_supplier,
        "nav_is_admin": bool(user is not None and getattr(user, "is_staff", False)),
        "nav_may_manage_api_keys": access.may_manage_api_keys(user),
    }
