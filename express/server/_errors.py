"""The API's errors, worded as Step Functions words them.

Every function returns an ``ApiError`` whose ``type`` becomes ``__type`` on the wire.
The messages are AWS's own (recorded against AWS in LocalStack's snapshot tests, see
``shared/reference/features.md`` §3.4); keep their quoting exactly: SDK users match on them.
"""

from __future__ import annotations

from express.errors import ApiError, Diagnostic

__all__ = [
    "execution_already_exists",
    "execution_not_found",
    "invalid_arn",
    "invalid_definition",
    "invalid_input",
    "invalid_logging",
    "invalid_name",
    "invalid_token",
    "machine_exists",
    "machine_not_found",
    "missing_update",
    "not_supported",
    "resource_not_found",
    "serialization",
    "throttled",
    "too_many_tags",
    "unknown_operation",
    "validation",
    "wrong_resource_type",
]


def invalid_arn(arn: str) -> ApiError:
    return ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")


def wrong_resource_type(kind: str) -> ApiError:
    return ApiError("InvalidArn", f"Invalid Arn: 'Resource type not valid in this context: {kind}'")


def machine_not_found(arn: str) -> ApiError:
    return ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def machine_exists(arn: str) -> ApiError:
    return ApiError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")


def execution_not_found(arn: str) -> ApiError:
    return ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def execution_already_exists(arn: str) -> ApiError:
    return ApiError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")


def resource_not_found(arn: str) -> ApiError:
    return ApiError("ResourceNotFound", f"Resource not found: '{arn}'")


def invalid_definition(diagnostics: list[Diagnostic]) -> ApiError:
    errors = [d for d in diagnostics if d.severity == "ERROR"] or diagnostics
    text = ", ".join(f"{d.code}: {d.message} at {d.pointer}" for d in errors)
    return ApiError("InvalidDefinition", f"Invalid State Machine Definition: '{text}'")


def invalid_input(detail: str) -> ApiError:
    return ApiError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{detail}'")


def invalid_name(name: str) -> ApiError:
    return ApiError("InvalidName", f"Invalid Name: '{name}'")


def invalid_token(token: str) -> ApiError:
    return ApiError("InvalidToken", f"Invalid Token: '{token}'")


def invalid_logging(detail: str) -> ApiError:
    return ApiError("InvalidLoggingConfiguration", f"Invalid Logging Configuration: {detail}")


def missing_update() -> ApiError:
    return ApiError(
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the "
        "TracingConfiguration must be specified",
    )


def not_supported() -> ApiError:
    return ApiError(
        "StateMachineTypeNotSupported",
        "This operation is not supported by this type of state machine",
    )


def too_many_tags(arn: str) -> ApiError:
    return ApiError("TooManyTags", f"Too many tags: '{arn}'")


def throttled(reason: str) -> ApiError:
    # botocore retries ThrottlingException with back-off in every retry mode.
    return ApiError("ThrottlingException", f"Rate exceeded: {reason}")


def validation(member: str, value: object, constraint: str) -> ApiError:
    shown = "null" if value is None else f"'{value}'"
    return ApiError(
        "ValidationException",
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def serialization(detail: str) -> ApiError:
    return ApiError("SerializationException", detail)


def unknown_operation(target: str) -> ApiError:
    return ApiError("UnknownOperationException", f"Unknown operation: '{target}'")
