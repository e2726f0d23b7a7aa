"""The FHIR endpoints: thin. Who reads (`fhir.access`), what (`fhir.resources`), audited."""

from functools import wraps

from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clinic import audit
from clinic.models import AuditEvent
from fhir_api import capability
from fhir_api.access import Reader, reader_for
from fhir_api.codes import MIME_TYPE
from fhir_api.outcomes import FhirError, not_found
from fhir_api.resources import TYPES, Found
from fhir_api.search import page as page_of

READ_METHODS = ("GET", "HEAD")


def fhir_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, content_type=MIME_TYPE)


def fhir_view(view):
    """GET only (405 otherwise); every refusal an OperationOutcome with its status. The API
    is read-only and takes no cookies-with-forms, so CSRF does not apply."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            if request.method not in READ_METHODS:
                error = FhirError(405, "not-supported", "This API is read-only: use GET.")
                response = fhir_response(error.outcome(), error.status)
                response["Allow"] = ", ".join(READ_METHODS)
                return response
            return view(request, *args, **kwargs)
        except FhirError as error:
            return fhir_response(error.outcome(), error.status)

    return wrapped


@fhir_view
def metadata(request):
    """The CapabilityStatement: public, as FHIR asks, so that clients learn how to log in. A
    token that is sent is still checked (a revoked one is refused here too)."""
    if request.headers.get("Authorization"):
        reader_for(request)
    return fhir_response(capability.statement(request.build_absolute_uri(reverse("fhir:base"))))


@fhir_view
def read(request, resource_type: str, resource_id: str):
    resource_class = resource_type_or_404(resource_type)
    reader = reader_for(request)
    found = resource_class.read(reader, resource_id, timezone.localdate())
    audit_reads(request, reader, resource_type, [found])
    return fhir_response(found.resource)


@fhir_view
def search(request, resource_type: str):
    resource_class = resource_type_or_404(resource_type)
    reader = reader_for(request)
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


@fhir_view
def unknown(request, path: str):
    raise not_found(f"/fhir/{path}")
