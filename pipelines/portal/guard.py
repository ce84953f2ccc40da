"""The bearer-token check in front of project-tier pages and API routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipelines.access.decide import authorise

MESSAGES = {
    "no_token": "This project-tier release needs a bearer token (Authorization: Bearer ...).",
    "malformed_token": "The bearer token is not a samverkan token.",
    "unknown_token": "The bearer token is not known.",
    "revoked_token": "The bearer token has been revoked.",
    "expired_token": "The bearer token has expired.",
    "wrong_project": "The token belongs to another project.",
    "project_not_approved": "The project is not approved.",
    "no_grant": "The project holds no grant on this dataset.",
}


def www_authenticate(outcome: str) -> str:
    """The RFC 6750 challenge for a 401: plain without a token, invalid_token otherwise."""
    if outcome == "no_token":
        return 'Bearer realm="samverkan"'
    return f'Bearer realm="samverkan", error="invalid_token", error_description="{outcome}"'


def refusal_response(status: int, outcome: str, *, html: bool, request: Request) -> Response:
    headers = {"WWW-Authenticate": www_authenticate(outcome)} if status == 401 else {}
    message = MESSAGES.get(outcome, outcome)
    if html:
        return request.app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message},
            status_code=status,
            headers=headers,
        )
    return JSONResponse({"error": outcome, "detail": message}, status_code=status, headers=headers)


def project_refusal(
    request: Request, project: str, dataset: str | None = None, *, html: bool = False
) -> Response | None:
    """None when the request's token may see ``project`` (and ``dataset``), else the refusal."""
    decision = authorise(
        request.app.state.access_db, request.headers.get("authorization"), project, dataset or None
    )
    if decision.allowed:
        return None
    return refusal_response(decision.status, decision.outcome, html=html, request=request)
