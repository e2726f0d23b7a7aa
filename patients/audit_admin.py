"""The audit trail in the admin, filtered by user, patient (MRN), day and action; and the
mixin that makes every admin with patient data audit its reads, as the pages do."""

from datetime import datetime, time, timedelta

from django.contrib import admin
from django.contrib.admin import DateFieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from clinic import audit
from clinic.models import AuditEvent, User
from patients.models import Patient, parse_search_date


class AuditedReadsMixin:
    """Opening a record (its change page or its history) is a view in the audit trail, and a
    search of the list or of an autocomplete box is one too: what was searched and how many
    were found, not who (tests/clinic/test_audit_admin.py checks every admin has this)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self.audit_read(request, response, "admin")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self.audit_history_read(request, response, object_id)
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self.audit_history_read(request, response, object_id)
        return response

    def audit_history_read(self, request, response, object_id) -> None:
        """History pages are rendered without a context to read the record from: fetch it."""
        if response.status_code == 200:
            record = self.get_object(request, unquote(object_id))
            self.audit_read(request, response, "admin history", record)

    def audit_read(self, request, response, page: str, record=None) -> None:
        if record is None:
            record = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code != 200 or record is None:
            return  # not found, refused, or saved (a save is audited by its history)
        audit.record(
            action=AuditEvent.Action.VIEW,
            object_type=f"{page} {record._meta.label_lower}",
            object_id=record.pk,
            patient_id=audit.audited_patient_id(record),
            request=request,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and changelist.query:
            self.audit_search(request, changelist.query, changelist.result_count)
        return response

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if search_term and match is not None and match.url_name == "autocomplete":
            self.audit_search(request, search_term, found.count())
        return found, may_have_duplicates

    def audit_search(self, request, query: str, results: int) -> None:
        audit.record(
            action=AuditEvent.Action.VIEW,
            object_type=f"admin search {self.model._meta.label_lower}",
            changes={"query": query, "results": results},
            request=request,
        )


class ReadOnlyAdminMixin:
    """Nothing added, changed or deleted here: the domain functions write these rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(AuditedReadsMixin, admin.ModelAdmin):
    pass


class AuditedHistoryAdmin(AuditedReadsMixin, SimpleHistoryAdmin):
    pass


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
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
