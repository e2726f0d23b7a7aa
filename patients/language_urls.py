"""The language switcher's address (patients/language.py), open to patients and to pages
nobody is logged in to."""

from django.urls import path

from patients.language import language_switch

urlpatterns = [path("", language_switch, name="language")]
