"""The audit trail in the admin, filtered by user, patient (MRN), day and action."""

from datetime import datetime, time, timedelta

from django.contrib import admin
from django.contrib.admin import DateFieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone

from clinic.models import AuditEvent, User
from patients.models import Patient, parse_search_date


class TextInputFilter(admin.SimpleListFilter):
    """A filter typed into a box: a list of every user or patient would not scale."""

    template = "admin/text_input_filter.html"

    def lookups(self, request, model_admin):
        return [("", "")]  # the admin shows a filter only when it has lookups

    def choices(self, changelist):
        params = changelist.get_filters_params()
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "hidden": [
                (name, value)
                for name, values in params.items()
                if name != self.parameter_name
                for value in (values if isinstance(values, list) else [values])
            ],
        }


class UsernameFilter(TextInputFilter):
    title = "username"
    parameter_name = "username"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        users = User.objects.filter(username=self.value().strip()).values("pk")
        return queryset.filter(user_id__in=users)  # the (user, id) index, not a scan


class PatientMrnFilter(TextInputFilter):
    title = "patient MRN"
    parameter_name = "mrn"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        patients = Patient.objects.filter(mrn=self.value().strip().upper()).values("pk")
        return queryset.filter(patient_id__in=patients)


class DayFilter(TextInputFilter):
    title = "day (YYYY-MM-DD or DD/MM/YYYY)"
    parameter_name = "day"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        day = parse_search_date(self.value())
        if day is None:
            raise IncorrectLookupParameters(f"{self.value()!r} is not a date.")
        start = timezone.make_aware(datetime.combine(day, time.min))
        end = start + timedelta(days=1)
        events = AuditEvent.objects.filter(at__gte=start, at__lt=end)
        # The day's first and last ids (the BRIN index finds them), so the newest-first list
        # is a range of the primary key instead of a scan back from today.
        ids = events.values_list("id", flat=True)
        first, last = ids.order_by("at", "id").first(), ids.order_by("-at", "-id").first()
        if first is None:
            return queryset.none()
        bounds = (min(first, last), max(first, last))
        return queryset.filter(id__range=bounds, at__gte=start, at__lt=end)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The whole audit trail, read-only for everyone (the database refuses changes too)."""

    list_display = [
        "at",
        "username",
        "role",
        "action",
        "object_type",
        "object_id",
        "patient",
        "ip_address",
    ]
    list_filter = [
        UsernameFilter,
        PatientMrnFilter,
        DayFilter,
        ("at", DateFieldListFilter),
        "action",
    ]
    list_select_related = ["patient"]
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fields = [*list_display, "user", "changes", "path"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
