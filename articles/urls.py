from django.urls import path

from articles import views

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("articles/<int:article_id>/", views.article_detail, name="article_detail"),
    path("articles/<int:article_id>/raw/", views.article_raw, name="article_raw"),
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/autocomplete/", views.entity_autocomplete, name="entity_autocomplete"),
    path("entities/<int:entity_id>/", views.entity_detail, name="entity_detail"),
    path("entities/<int:entity_id>/aliases/", views.alias_create, name="alias_create"),
    path(
        "entities/<int:entity_id>/aliases/<int:alias_id>/delete/",
        views.alias_remove,
        name="alias_remove",
    ),
    path("entities/<int:entity_id>/merge/", views.entity_merge_view, name="entity_merge"),
    path("overview/", views.overview, name="overview"),
]
