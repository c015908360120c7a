"""The plugin contract: ``BackendArgs`` (configuration), ``Backend`` (implementation), request and response."""

from gaugellm.backend.args import BackendArgs
from gaugellm.backend.base import Backend
from gaugellm.backend.schemas import ErrorKind, GenerationRequest, GenerationResponse, ResponseError, TokenCountSource

__all__ = [
    "Backend",
    "BackendArgs",
    "ErrorKind",
    "GenerationRequest",
    "GenerationResponse",
    "ResponseError",
    "TokenCountSource",
]
