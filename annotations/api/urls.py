from django.urls import path

from annotations.api import views

urlpatterns = [
    path("", views.AnnotationListCreate.as_view(), name="api_annotation_list"),
    path("<int:annotation_id>/", views.AnnotationDetail.as_view(), name="api_annotation_detail"),
    path(
        "<int:annotation_id>/restore/",
        views.AnnotationRestore.as_view(),
        name="api_annotation_restore",
    ),
    path("undo/", views.Undo.as_view(), name="api_annotation_undo"),
    path("done/", views.MarkDone.as_view(), name="api_annotation_done"),
    path("suggestions/", views.SuggestionList.as_view(), name="api_suggestion_list"),
    path(
        "suggestions/<int:suggestion_id>/accept/",
        views.SuggestionAction.as_view(action="accept"),
        name="api_suggestion_accept",
    ),
    path(
        "suggestions/<int:suggestion_id>/dismiss/",
        views.SuggestionAction.as_view(action="dismiss"),
        name="api_suggestion_dismiss",
    ),
]
