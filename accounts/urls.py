from django.urls import path

from accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.api_token_create, name="api_token_create"),
    path("profile/token/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
