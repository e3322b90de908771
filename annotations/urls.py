from django.urls import path

from annotations import views

urlpatterns = [
    path("labels.css", views.label_styles, name="label_styles"),
    path("export/", views.export, name="export"),
]
