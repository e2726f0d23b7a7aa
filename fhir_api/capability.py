"""The CapabilityStatement at /fhir/metadata: what this server serves, from `fhir.resources`."""

from fhir_api.codes import FHIR_VERSION, MIME_TYPE
from fhir_api.resources import TYPES, validated
from fhir_api.search import MAX_COUNT

BULK_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
SECURITY = (
    "A client system sends the token the clinic's administrator issued it, as "
    "'Authorization: Bearer <token>' (read scope: every patient). A patient logged in to the "
    "portal reads their own records with their session. Every read is audited."
)


def statement(base_url: str) -> dict:
    return validated(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "software": {"name": "Headache clinic"},
            "implementation": {"description": "Headache clinic FHIR API", "url": base_url},
            "fhirVersion": FHIR_VERSION,
            "format": [MIME_TYPE, "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": f"Read-only. Search pages hold at most {MAX_COUNT} "
                    "entries (_count, _offset; follow the Bundle's next link).",
                    "security": {"description": SECURITY},
                    "resource": [
                        {
                            "type": name,
                            "interaction": [{"code": "read"}, {"code": "search-type"}],
                            "searchParam": [
                                {"name": param, "type": kind}
                                for param, kind in resource_type.search_params.items()
                            ],
                        }
                        for name, resource_type in TYPES.items()
                    ],
                    "operation": [{"name": "export", "definition": BULK_EXPORT}],
                }
            ],
        }
    )
