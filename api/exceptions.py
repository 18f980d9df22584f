"""Errors of the API that carry their HTTP status."""

from rasd.errors import RasdError


class RequestBodyError(RasdError):
    """A request body the API will not read: too large (413) or not the expected JSON (422)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class BackendUnavailable(RasdError):
    """The backend of the read endpoints cannot answer now (503), e.g. the embedded database is locked or gone."""
