from clinic.form_tokens import OneTimeFormMixin
from clinic.forms import DateInput, StaffForm
from reviews.models import Review


class ReviewForm(OneTimeFormMixin, StaffForm):
    class Meta:
        model = Review
        fields = ["reviewed_on", "midas", "hit6", "decision", "resume_on", "reason"]
        widgets = {"reviewed_on": DateInput(), "resume_on": DateInput()}
