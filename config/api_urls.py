from django.urls import include, path

urlpatterns = [
    path("", include("articles.api.urls")),
    path("annotations/", include("annotations.api.urls")),
]
