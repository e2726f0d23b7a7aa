"""The FHIR endpoints: thin. Who reads (`fhir_api.access`), what (`fhir_api.resources`), audited."""

from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clinic import audit
from clinic.models import AuditEvent
from fhir_api import bulk, capability
from fhir_api.access import Reader, reader_for
from fhir_api.codes import MIME_TYPE
from fhir_api.models import BulkExport
from fhir_api.outcomes import FhirError, invalid, not_found, operation_outcome
from fhir_api.resources import TYPES, Found
from fhir_api.search import page as page_of
from patients.models import Patient

READ_METHODS = ("GET", "HEAD")


def fhir_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, content_type=MIME_TYPE)


def fhir_view(view=None, *, methods=READ_METHODS):
    """GET only (405 otherwise; a bulk export's kick-off is a POST); every refusal an
    OperationOutcome with its status. Only reads, and the one POST is a client token's (no
    session), so CSRF does not apply."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    use = " or ".join(methods)
                    error = FhirError(405, "not-supported", f"Use {use} here: the API reads only.")
                    response = fhir_response(error.outcome(), error.status)
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, *args, **kwargs)
            except FhirError as error:
                return fhir_response(error.outcome(), error.status)

        return wrapped

    return decorate(view) if view else decorate


@fhir_view
def metadata(request):
    """The CapabilityStatement: public, as FHIR asks, so that clients learn how to log in. A
    token that is sent is still checked (a revoked one is refused here too)."""
    if request.headers.get("Authorization"):
        reader_for(request)
    return fhir_response(capability.statement(request.build_absolute_uri(reverse("fhir:base"))))


@fhir_view
def read(request, resource_type: str, resource_id: str):
    reader = reader_for(request)
    resource_class = resource_type_or_404(resource_type)
    found = resource_class.read(reader, resource_id, timezone.localdate())
    audit_reads(request, reader, resource_type, [found])
    return fhir_response(found.resource)


@fhir_view
def search(request, resource_type: str):
    reader = reader_for(request)
    resource_class = resource_type_or_404(resource_type)
    paging = page_of(request.GET)
    total, found = resource_class.search(reader, request.GET, paging, timezone.localdate())
    audit_reads(request, reader, resource_type, found)
    return fhir_response(bundle(request, total, found, paging))


def resource_type_or_404(name: str):
    if name not in TYPES:
        raise FhirError(404, "not-supported", f"{name} is not a resource type this server serves.")
    return TYPES[name]


def bundle(request, total: int, found: list[Found], paging) -> dict:
    base = request.build_absolute_uri(request.path)

    def link(relation, offset):
        query = request.GET.copy()
        query["_offset"] = str(offset)
        query["_count"] = str(paging.count)
        return {"relation": relation, "url": f"{base}?{query.urlencode()}"}

    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if paging.offset + paging.count < total:
        links.append(link("next", paging.offset + paging.count))
    if paging.offset:
        links.append(link("previous", max(paging.offset - paging.count, 0)))
    root = request.build_absolute_uri(reverse("fhir:base"))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{root}{item.resource['resourceType']}/{item.resource['id']}",
                "resource": item.resource,
                "search": {"mode": "match"},
            }
            for item in found
        ],
    }


def audit_reads(request, reader: Reader, resource_type: str, found: list[Found]) -> None:
    """One audit event per patient whose records were read (one INSERT), naming the client
    system and the resources; a search that found nothing is audited too."""
    by_patient: dict[int | None, list[str]] = {}
    for item in found:
        by_patient.setdefault(item.patient_id, []).append(item.resource["id"])
    if not by_patient:
        by_patient[None] = []
    query = request.GET.urlencode()
    AuditEvent.objects.bulk_create(
        [
            audit.event(
                action=audit.Action.VIEW,
                object_type=f"fhir:{resource_type}",
                object_id=patient_id or "",
                patient_id=patient_id,
                changes={"ids": ids, "query": query, **reader.audit_details()},
                request=request,
            )
            for patient_id, ids in by_patient.items()
        ]
    )


# -- bulk export (fhir_api/bulk.py) ------------------------------------------------------------


def client_reader(request) -> Reader:
    """Bulk exports are for client systems: a patient reads their own records by searching."""
    reader = reader_for(request)
    if reader.client is None:
        raise FhirError(403, "forbidden", "Bulk export is for client systems with a token.")
    return reader


@fhir_view(methods=("POST",))
def export_kick_off(request, patient_id: int | None = None):
    """POST /fhir/$export (the whole clinic), /fhir/Patient/$export (every patient: the same
    here), /fhir/Patient/<id>/$export (one patient). Asks for Prefer: respond-async."""
    reader = client_reader(request)
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise invalid("Send Prefer: respond-async: an export runs in the background.")
    types = bulk.requested_types(request.GET)
    patient = None
    if patient_id is not None:
        patient = Patient.objects.filter(pk=patient_id).first()
        if patient is None:
            raise not_found(f"Patient/{patient_id}")
    export = bulk.start_export(
        reader.client,
        patient=patient,
        types=types,
        url=request.build_absolute_uri(),
        now=timezone.now(),
    )
    audit.record(
        action=audit.Action.EXPORT,
        object_type="fhir:$export",
        object_id=export.pk,
        patient_id=patient.pk if patient else None,
        changes={"types": types, **reader.audit_details()},
        request=request,
    )
    status_url = request.build_absolute_uri(reverse("fhir:export_status", args=[export.pk]))
    response = fhir_response(
        operation_outcome("informational", f"Export queued: poll {status_url}", "information"),
        202,
    )
    response["Content-Location"] = status_url
    return response


def client_export(reader: Reader, export_id) -> BulkExport:
    """The client's own export, while its files are kept (else 404)."""
    export = BulkExport.objects.filter(pk=export_id, client=reader.client).first()
    if export is None:
        raise not_found(f"Export {export_id}")
    bulk.refuse_expired(export, timezone.now())
    return export


@fhir_view
def export_status(request, export_id):
    export = client_export(client_reader(request), export_id)
    if export.status == BulkExport.Status.DONE:

        def file_url(file):
            path = reverse("fhir:export_file", args=[export.pk, file.resource_type, file.part])
            return request.build_absolute_uri(path)

        return JsonResponse(bulk.manifest(export, file_url))
    if export.status == BulkExport.Status.FAILED:
        raise FhirError(500, "exception", "The export stopped on a fault; it is tried again.")
    response = fhir_response(
        operation_outcome("informational", export.get_status_display(), "information"), 202
    )
    response["X-Progress"] = export.get_status_display()
    response["Retry-After"] = "10"
    return response


@fhir_view
def export_file(request, export_id, resource_type: str, part: int):
    reader = client_reader(request)
    export = client_export(reader, export_id)
    file = export.files.filter(resource_type=resource_type, part=part).first()
    if file is None or export.status != BulkExport.Status.DONE:
        raise not_found(f"{resource_type}-{part}.ndjson of export {export_id}")
    audit.record_export(
        request,
        export.patient,
        f"fhir:{resource_type}-{part}.ndjson",
        export=str(export.pk),
        count=file.count,
        **reader.audit_details(),
    )
    return HttpResponse(file.ndjson, content_type=bulk.NDJSON)


@fhir_view
def unknown(request, path: str):
    raise not_found(f"/fhir/{path}")
