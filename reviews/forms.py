from clinic.forms import DateInput, StaffForm
from reviews.models import Review


class ReviewForm(StaffForm):
    class Meta:
        model = Review
        fields = ["reviewed_on", "midas", "hit6", "decision", "reason"]
        widgets = {"reviewed_on": DateInput()}
