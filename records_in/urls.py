from django.urls import path

from records_in import views

app_name = "records_in"

urlpatterns = [path("", views.upload, name="upload")]
