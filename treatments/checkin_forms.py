"""The portal's side-effect check-in form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic.forms import DateInput
from treatments.checkins import QUESTIONS, Answer
from treatments.models import AdverseEvent


class CheckInForm(forms.Form):
    """The short side-effect check-in; ticking nothing means nothing to report."""

    symptoms = forms.MultipleChoiceField(
        label=_("Since your injections, have you had any of these?"),
        choices=[(key, label) for key, (label, _kind) in QUESTIONS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other = forms.CharField(label=_("Anything else? Describe it"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("How bad is it at its worst?"),
        choices=AdverseEvent.Severity.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    onset_on = forms.DateField(label=_("When did it start?"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("symptoms") or data.get("other"):
            if not data.get("severity"):
                self.add_error("severity", _("Tell us how bad it is."))
            if not data.get("onset_on"):
                self.add_error("onset_on", _("Tell us roughly when it started."))
        return data

    def answers(self) -> list[Answer]:
        answers = [Answer(QUESTIONS[key][1]) for key in self.cleaned_data["symptoms"]]
        if self.cleaned_data["other"]:
            answers.append(Answer(AdverseEvent.Kind.OTHER, self.cleaned_data["other"]))
        return answers
