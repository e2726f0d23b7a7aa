"""Who is reading the API: a client system by its bearer token, or a patient by their portal
login (session). Client systems with the read scope see every patient; a patient only
themself; anyone else is refused with an OperationOutcome (401 or 403)."""

from dataclasses import dataclass

from clinic.roles import Role, user_role
from fhir_api.models import ApiClient, token_digest
from fhir_api.outcomes import FhirError
from patients.models import Patient

NO_CREDENTIALS = (
    "Send a client token (Authorization: Bearer …) issued by the clinic's administrator, "
    "or log in to the patient portal."
)


@dataclass(frozen=True)
class Reader:
    client: ApiClient | None = None
    patient: Patient | None = None  # a patient reading their own records

    @property
    def patient_ids(self) -> list[int] | None:
        """The only patients this reader may see (None: all of them)."""
        return None if self.patient is None else [self.patient.pk]

    def audit_details(self) -> dict:
        if self.client is None:
            return {}
        return {"api_client": self.client.name, "api_client_id": self.client.pk}


def reader_for(request) -> Reader:
    """The reader of a request, or a FhirError: 401 without a valid token or login, 403 for
    a token without the read scope or a login that is not a patient's."""
    header = request.headers.get("Authorization", "")
    if header:
        kind, _, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise FhirError(401, "login", "Send the token as: Authorization: Bearer <token>.")
        client = ApiClient.objects.filter(token_digest=token_digest(token.strip())).first()
        if client is None or not client.active:
            raise FhirError(401, "login", "This token is unknown or has been revoked.")
        if client.scope != ApiClient.Scope.READ:
            raise FhirError(403, "forbidden", "This token's scope does not allow reading.")
        return Reader(client=client)
    user = request.user
    if not user.is_authenticated:
        raise FhirError(401, "login", NO_CREDENTIALS)
    if user_role(user) != Role.PATIENT:
        raise FhirError(
            403,
            "forbidden",
            "Staff read records in the clinic's pages; the API serves client systems and patients.",
        )
    patient = Patient.objects.filter(user=user).first()
    if patient is None:
        raise FhirError(403, "forbidden", "This portal account has no patient record.")
    return Reader(patient=patient)
