from django.urls import path

from annotations import views

urlpatterns = [
    path("labels.css", views.label_styles, name="label_styles"),
    path("export/", views.export, name="export"),
    path("review/", views.review_queue, name="review_queue"),
    path("assign/", views.assign, name="assign"),
    path("queue/", views.my_queue, name="my_queue"),
    path("review/<int:article_id>/", views.review_article, name="review_article"),
    path("review/agreement/", views.agreement_overview, name="agreement"),
    path("review/agreement/<int:article_id>/", views.agreement_article, name="agreement_article"),
]
