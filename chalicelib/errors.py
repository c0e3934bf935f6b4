"""One root error; each error says whether retrying could help, so the edges know how to answer."""

from __future__ import annotations


class SwitchboardError(Exception):
    """Root of every error we raise on purpose."""

    #: Whether the same request could succeed later (the API answers 503, the queue redelivers).
    retryable: bool = False
    #: The HTTP status the API answers with when this error reaches it.
    http_status: int = 500
    #: A short machine-readable code for the JSON answer.
    code: str = "internal_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureError(SwitchboardError):
    """The request is not signed by the provider we expected: missing, wrong or stale signature."""

    http_status = 401
    code = "invalid_signature"


class PayloadError(SwitchboardError):
    """The body is not what the provider's format promises; the reason names the field."""

    http_status = 400
    code = "invalid_payload"

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


class NotFoundError(SwitchboardError):
    """What the request names does not exist (an acknowledgement link to a page that is gone or never was)."""

    http_status = 404
    code = "not_found"


class TooLargeError(SwitchboardError):
    """The body is bigger than any genuine delivery from this provider."""

    http_status = 413
    code = "payload_too_large"


class DependencyError(SwitchboardError):
    """An AWS service we depend on failed; the caller should retry."""

    retryable = True
    http_status = 503
    code = "temporarily_unavailable"


class ConfigError(SwitchboardError):
    """Settings or rules are invalid; nothing works until an operator fixes them."""

    code = "configuration_error"
