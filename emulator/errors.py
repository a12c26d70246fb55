"""The platform's error shape, ``{"requestId", "message"}``, for every failure."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """A failure the API reports to the caller with ``status`` and ``message``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(message: str) -> dict[str, str]:
    return {"requestId": str(uuid.uuid4()), "message": message}


def error_response(status: int, message: str, headers: dict[str, str] | None = None):
    return JSONResponse(error_body(message), status_code=status, headers=headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
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
