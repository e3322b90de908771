from django.urls import path

from articles.api import views

urlpatterns = [
    path("articles/", views.ArticleList.as_view(), name="api_article_list"),
    path("articles/<int:article_id>/", views.ArticleDetail.as_view(), name="api_article_detail"),
    path("entities/", views.EntityList.as_view(), name="api_entity_list"),
    path("entities/<int:entity_id>/", views.EntityDetail.as_view(), name="api_entity_detail"),
]
