"""Create forms save once, however often they are posted (a double click, a resent request).

A create form carries a one-time token (`OneTimeFormMixin`: a hidden `form_token`, new each
time the empty form is shown). The domain function saves inside `one_time(token, Model)`, which
spends the token (a `FormToken` row, unique) in the same transaction as the create. A second
post of the same form, before or at the same moment, then finds the token spent, or fails on
its unique index and rolls back whole, and `AlreadySaved` is raised with what the first post
saved: views say so and show it instead of saving again. Injection sessions keep their own
token column (`InjectionSession.form_token`), which works the same way.
"""

import functools
import uuid
from contextlib import contextmanager

from django import forms
from django.db import IntegrityError, transaction

from clinic.models import FormToken

ALREADY_SAVED = "This form had already been saved; it was not saved twice."


class AlreadySaved(Exception):
    """The form was posted before; `saved` is what that post created (None if it is gone)."""

    def __init__(self, saved):
        super().__init__(ALREADY_SAVED)
        self.saved = saved


class OneTimeFormMixin:
    """Adds the hidden one-time `form_token` to a create form (crispy renders it); a model
    form editing a saved row gets none (`cleaned_data["form_token"]` is then None)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if getattr(getattr(self, "instance", None), "pk", None) is None:
            self.fields["form_token"] = forms.UUIDField(widget=forms.HiddenInput, required=False)
            if not self.is_bound:
                self.initial["form_token"] = uuid.uuid4()

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("form_token", None)
        return cleaned


def saved_with(token: uuid.UUID, model):
    """What the form with `token` created, or None if the token was not spent on a `model`."""
    spent = FormToken.objects.filter(token=token, what=model._meta.label_lower).first()
    return model._default_manager.filter(pk=spent.object_id).first() if spent else None


def _spend(token: uuid.UUID | None, model, created) -> None:
    if token is not None:
        FormToken.objects.create(
            token=token, what=model._meta.label_lower, object_id=str(created.pk)
        )


@contextmanager
def one_time(token: uuid.UUID | None, model):
    """The create's transaction: `with one_time(token, Review) as spend: review.save();
    spend(review)`. A form posted without a token (an old page) is saved as before."""
    if token is not None and FormToken.objects.filter(token=token).exists():
        raise AlreadySaved(saved_with(token, model))
    try:
        with transaction.atomic():
            yield functools.partial(_spend, token, model)
    except IntegrityError:
        if token is None or not FormToken.objects.filter(token=token).exists():
            raise
        raise AlreadySaved(saved_with(token, model)) from None
