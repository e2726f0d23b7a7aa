"""Refusals as FHIR OperationOutcomes: each carries its HTTP status and issue code."""

from dataclasses import dataclass


@dataclass
class FhirError(Exception):
    status: int
    code: str  # an OperationOutcome issue type: not-found, invalid, login, forbidden, …
    message: str

    def outcome(self) -> dict:
        return operation_outcome(self.code, self.message)


def operation_outcome(code: str, message: str, severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


def not_found(what: str) -> FhirError:
    return FhirError(404, "not-found", f"{what} is not known here.")


def invalid(message: str) -> FhirError:
    return FhirError(400, "invalid", message)
