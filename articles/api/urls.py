from django.urls import path

from articles.api import views

urlpatterns = [
    path("articles/", views.ArticleList.as_view(), name="api_article_list"),
]
