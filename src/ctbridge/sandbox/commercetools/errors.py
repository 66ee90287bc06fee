"""commercetools error responses: one exception type carrying the status and the `errors` array."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the emulator answers with `{"statusCode", "message", "errors": [...]}`."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, **self.details}
        body: dict[str, Any] = {
            "statusCode": self.status,
            "message": self.message,
            "errors": [error],
        }
        if self.code in ("invalid_client", "invalid_token", "insufficient_scope", "invalid_scope"):
            body["error"] = self.code
            body["error_description"] = self.message
        return body


def not_found(type_id: str, identifier: str) -> ApiError:
    return ApiError(
        404,
        "ResourceNotFound",
        f"The Resource with ID '{identifier}' of type '{type_id}' was not found.",
    )


def concurrent_modification(resource_id: str, expected: int, current: int) -> ApiError:
    return ApiError(
        409,
        "ConcurrentModification",
        f"Object {resource_id} has a different version than expected. "
        f"Expected: {expected} - Actual: {current}.",
        currentVersion=current,
    )


def invalid_input(message: str) -> ApiError:
    return ApiError(400, "InvalidInput", message)


def invalid_operation(message: str) -> ApiError:
    return ApiError(400, "InvalidOperation", message)


def invalid_json(message: str) -> ApiError:
    return ApiError(400, "InvalidJsonInput", message, detailedErrorMessage=message)


def missing_field(name: str) -> ApiError:
    return invalid_json(f"{name}: Missing required value")


def invalid_field(field: str, value: Any, message: str) -> ApiError:
    return ApiError(400, "InvalidField", message, field=field, invalidValue=value)


def duplicate_field(field: str, value: Any) -> ApiError:
    return ApiError(
        400,
        "DuplicateField",
        f"A duplicate value '{value}' exists for field '{field}'.",
        field=field,
        duplicateValue=value,
    )


def referenced_not_found(type_id: str, identifier: str) -> ApiError:
    return ApiError(
        400,
        "ReferencedResourceNotFound",
        f"The referenced object of type '{type_id}' '{identifier}' was not found. "
        "It either doesn't exist, or it can't be accessed from this endpoint.",
        typeId=type_id,
        id=identifier,
    )
