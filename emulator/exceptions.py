"""The service's errors, one class per kind with its status, and the one place that renders
them as the platform's error shape, ``{"requestId", "message"}``."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ServiceError(Exception):
    """A failure the emulated service reports to the caller with ``status`` and ``message``."""

    status = 500

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class UnsupportedMediaType(ServiceError):
    status = 415


def error_body(message: str) -> dict[str, str]:
    return {"requestId": str(uuid.uuid4()), "message": message}


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    return JSONResponse(error_body(message), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError):
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        # Unknown routes and wrong methods keep the platform's error shape too.
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        # Only query/path parameters reach FastAPI's own validation (bodies are
        # parsed by schemas.py); name the parameter, never echo its value.
        names = [".".join(str(part) for part in err["loc"][1:]) for err in exc.errors()]
        return error_response(400, f"Invalid request parameter(s): {', '.join(names)}")
