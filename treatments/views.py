from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from clinic import audit, form_tokens
from clinic.forms import add_model_errors
from clinic.roles import neurologist_required, staff_required
from patients.access import staff_patient
from patients.chart import patient_header
from treatments import pre_injection, side_effects
from treatments.courses import next_due_on
from treatments.forms import (
    AcknowledgementForm,
    AdditionFormSet,
    AdverseEventForm,
    AmendmentReasonForm,
    PreInjectionCheckForm,
    ProtocolChoiceForm,
    SessionForm,
    SiteFormSet,
    addition_entries,
    site_entries,
)
from treatments.models import (
    AdverseEvent,
    CostSettings,
    InjectionSession,
    PreInjectionCheck,
    Protocol,
)
from treatments.pricing import session_cost, yearly_quote
from treatments.recording import (
    AlreadySaved,
    initial_sites,
    session_correct,
    session_record,
    session_sign,
)
from treatments.sitemap import site_map


def patient_session(patient, session_id: int) -> InjectionSession:
    """A session of this patient, with what its pages show (404 for anyone else's)."""
    sessions = InjectionSession.objects.for_chart().prefetch_related(
        "sites__protocol_site",
        "adverse_events__recorded_by",
        "adverse_events__acknowledged_by",
        "amendments__amended_by",
    )
    return get_object_or_404(sessions, patient=patient, pk=session_id)


def default_protocol(patient) -> Protocol | None:
    protocols = Protocol.objects.filter(is_active=True)
    return protocols.filter(indication=patient.primary_diagnosis).first() or protocols.first()


@neurologist_required
def session_new(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    chooser = ProtocolChoiceForm(request.POST or request.GET or None)
    protocol = chooser.cleaned_data["protocol"] if chooser.is_valid() else None
    protocol = protocol or default_protocol(patient)
    if protocol is None:
        messages.error(request, "No injection protocol is set up yet: add one in the admin.")
        return redirect("patients:chart", patient.pk)
    session = InjectionSession(patient=patient, protocol=protocol, injector=request.user)
    return session_form_page(request, patient, session)


@neurologist_required
def session_edit(request, patient_id: int, session_id: int):
    patient = staff_patient(request, patient_id)
    session = patient_session(patient, session_id)
    return session_form_page(request, patient, session)


@dataclass(frozen=True)
class SessionForms:
    """The forms of the session page: header, protocol sites, follow-the-pain sites, the
    checklist before the injection (new sessions only) and the reason for an amendment
    (signed sessions only)."""

    session: SessionForm
    sites: SiteFormSet
    additions: AdditionFormSet
    check: PreInjectionCheckForm | None
    reason: AmendmentReasonForm | None

    def is_valid(self) -> bool:
        """Validate every form (so each shows its errors), not just up to the first invalid."""
        forms = [self.session, self.sites, self.additions, self.check, self.reason]
        return all([form.is_valid() for form in forms if form is not None])

    def add_errors(self, error: ValidationError) -> None:
        """Show a refusal on the checklist field it names, or on the session form."""
        if self.check is None or not hasattr(error, "error_dict"):
            add_model_errors(self.session, error)
            return
        for field, refusals in error.message_dict.items():
            form = self.check if field in self.check.fields else self.session
            add_model_errors(form, ValidationError({field: refusals}))


def session_form_page(request, patient, session: InjectionSession):
    """Record a new session, change an unsigned one, or amend a signed one."""
    header = patient_header(patient)
    data = request.POST if request.method == "POST" else None
    forms = _session_forms(data, patient, session, header)
    repeat = _already_saved(patient, data)
    if repeat:
        return _already_saved_redirect(request, patient, repeat)
    if data is not None and forms.is_valid():
        try:
            saved = _save(request, forms)
        except AlreadySaved as repeat:
            return _already_saved_redirect(request, patient, repeat.session)
        except ValidationError as error:
            forms.add_errors(error)
        else:
            return redirect("treatments:session_detail", patient.pk, saved.pk)
    audit.record_view(request, patient, "session form")
    return render(
        request, "treatments/session_form.html", _session_form_context(header, session, forms)
    )


def _session_forms(data, patient, session: InjectionSession, header: dict) -> SessionForms:
    """The page's forms, bound to `data` or filled from the session (or protocol defaults)."""
    sites_initial, additions_initial = _initial_rows(session)
    groups = [
        (a.muscle_group, a.get_muscle_group_display()) for a in session.protocol.additions.all()
    ]
    return SessionForms(
        session=SessionForm(data, instance=session, patient=patient, flags=header),
        sites=SiteFormSet(data, prefix="site", initial=sites_initial),
        additions=AdditionFormSet(
            data, prefix="extra", initial=additions_initial, form_kwargs={"groups": groups}
        ),
        check=None if session.pk else _check_form(data, patient, session),
        reason=AmendmentReasonForm(data) if session.is_signed else None,
    )


def _check_form(data, patient, session: InjectionSession) -> PreInjectionCheckForm:
    """The checklist for the date the form gives (or the default date)."""
    try:
        day = parse_date(data.get("performed_on", "")) if data else None
    except ValueError:
        day = None
    context = pre_injection.before_injection(patient, day or session.performed_on)
    return PreInjectionCheckForm(data, context=context, prefix="check")


def _already_saved_redirect(request, patient, session: InjectionSession):
    messages.info(request, "This session had already been saved; it was not saved twice.")
    return redirect("treatments:session_detail", patient.pk, session.pk)


def _session_form_context(header: dict, session: InjectionSession, forms: SessionForms) -> dict:
    protocol = session.protocol
    protocol_sites = {site.pk: site for site in protocol.sites.all()}
    site_rows = [(protocol_sites.get(_int(f["protocol_site"].value())), f) for f in forms.sites]
    return {
        **header,
        "form": forms.session,
        "session": session,
        "protocol": protocol,
        "chooser": ProtocolChoiceForm(initial={"protocol": protocol}),
        "site_rows": site_rows,
        "sites": forms.sites,
        "additions": forms.additions,
        "check_form": forms.check,
        "reason_form": forms.reason,
    }


def _already_saved(patient, data) -> InjectionSession | None:
    """The session a repeated submission of the same new-session form already saved."""
    token = data.get("form_token") if data else None
    try:
        return patient.sessions.filter(form_token=UUID(token)).first() if token else None
    except ValueError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _initial_rows(session: InjectionSession) -> tuple[list[dict], list[dict]]:
    """The site rows to show: the protocol's defaults, or what the session recorded."""
    extra_rows = session.protocol.max_additional_sites
    if not session.pk:
        return initial_sites(session.protocol), [{}] * extra_rows
    recorded = list(session.sites.all())
    sites = [
        {"protocol_site": s.protocol_site_id, "units": s.units, "skipped": s.skipped}
        for s in recorded
        if s.protocol_site_id
    ]
    extras = [
        {"muscle_group": s.muscle_group, "side": s.side, "units": s.units}
        for s in recorded
        if not s.protocol_site_id
    ]
    return sites, extras + [{}] * max(extra_rows - len(extras), 0)


def _save(request, forms: SessionForms) -> InjectionSession:
    session = forms.session.save(commit=False)
    entries = {
        "sites": site_entries(forms.sites),
        "additions": addition_entries(forms.additions),
    }
    if not session.pk:
        session_record(
            session=session,
            check=forms.check.answers(),
            recorded_by=request.user,
            form_token=forms.session.cleaned_data.get("form_token"),
            **entries,
        )
        messages.success(request, f"{session} recorded. Check it, then sign it.")
    elif forms.reason is None:
        session_correct(session=session, user=request.user, **entries)
        messages.success(request, f"{session} updated.")
    else:
        reason = forms.reason.cleaned_data["reason"]
        session_correct(session=session, user=request.user, reason=reason, **entries)
        messages.success(request, f"Amendment to {session} recorded; the original is kept.")
    return session


@neurologist_required
def session_detail(request, patient_id: int, session_id: int):
    patient = staff_patient(request, patient_id)
    session = patient_session(patient, session_id)
    sites = list(session.sites.all())
    audit.record_view(request, patient, "session")
    return render(
        request,
        "treatments/session_detail.html",
        {
            **patient_header(patient),
            "session": session,
            "sites": sites,
            "extra_sites": [site for site in sites if site.follow_the_pain],
            "panels": site_map(sites),
            "cost": session_cost(session, CostSettings.current()),
            "next_due": next_due_on(session.performed_on),
            "check": PreInjectionCheck.objects.filter(session=session)
            .select_related("checked_by")
            .first(),
        },
    )


@neurologist_required
@require_POST
def session_sign_view(request, patient_id: int, session_id: int):
    patient = staff_patient(request, patient_id)
    session = get_object_or_404(InjectionSession, patient=patient, pk=session_id)
    try:
        session_sign(session=session, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{session} signed. Corrections are now made as amendments.")
    return redirect("treatments:session_detail", patient.pk, session.pk)


@staff_required
def aftercare(request, patient_id: int, session_id: int):
    patient = staff_patient(request, patient_id)
    session = get_object_or_404(InjectionSession, patient=patient, pk=session_id)
    audit.record_view(request, patient, "after-care sheet")
    return render(
        request,
        "treatments/aftercare.html",
        {"patient": patient, "session": session, "next_due": next_due_on(session.performed_on)},
    )


@staff_required
def adverse_event_add(request, patient_id: int, session_id: int):
    patient = staff_patient(request, patient_id)
    session = get_object_or_404(InjectionSession, patient=patient, pk=session_id)
    form = AdverseEventForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            event = side_effects.adverse_event_add(
                event=form.save(commit=False),
                by=request.user,
                form_token=form.cleaned_data["form_token"],
            )
        except form_tokens.AlreadySaved:
            messages.info(request, form_tokens.ALREADY_SAVED)
            return redirect("patients:chart", patient.pk)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            _say_recorded(request, event)
            return redirect("patients:chart", patient.pk)
    audit.record_view(request, patient, "side effect form")
    return render(
        request,
        "patients/clinical_form.html",
        {"form": form, "title": f"Record a side effect of {session}", **patient_header(patient)},
    )


def _say_recorded(request, event: AdverseEvent) -> None:
    if event.serious:
        messages.warning(
            request, f"Serious side effect recorded: {event}. The neurologists are alerted."
        )
    else:
        messages.success(request, f"Side effect recorded: {event}.")


@neurologist_required
def adverse_event_acknowledge(request, patient_id: int, event_id: int):
    """Acknowledge a serious side effect with what was done (the chart and the home post the
    note from their own forms; a missing note comes back to this page)."""
    patient = staff_patient(request, patient_id)
    event = get_object_or_404(
        AdverseEvent.objects.select_related("session", "acknowledged_by"),
        session__patient=patient,
        pk=event_id,
    )
    form = AcknowledgementForm(request.POST if request.method == "POST" else None)
    back = _acknowledge_next(request, patient)
    if form.is_bound and form.is_valid():
        try:
            side_effects.adverse_event_acknowledge(
                event=event, by=request.user, note=form.cleaned_data["note"], now=timezone.now()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{event} acknowledged.")
        return redirect(back)
    audit.record_view(request, patient, "side effect acknowledgement")
    return render(
        request,
        "treatments/acknowledge.html",
        {
            **patient_header(patient),
            "event": event,
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


def _acknowledge_next(request, patient) -> str:
    """Where to go after acknowledging: the home, the session form, or the chart."""
    where = request.POST.get("next") or request.GET.get("next")
    if where == "home":
        return reverse("neurologist_home")
    if where == "session":
        return reverse("treatments:session_new", args=[patient.pk])
    return reverse("patients:chart", args=[patient.pk]) + "#sessions"


@staff_required
def quote(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    latest = patient.sessions.order_by("-performed_on").first()
    prices = CostSettings.current()
    audit.record_view(request, patient, "yearly quote")
    return render(
        request,
        "treatments/quote.html",
        {
            "patient": patient,
            "quote": yearly_quote(latest, prices),
            "prices": prices,
            "today": timezone.localdate(),
        },
    )
