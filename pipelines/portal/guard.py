"""The bearer-token check in front of project-tier pages, API routes and downloads.

Every check goes through ``check_access``: a client that has presented too many bad
tokens is refused with 429 before its token is even looked at (see ``ratelimit``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipelines.access.decide import Decision, authorise

MESSAGES = {
    "no_token": "This project-tier release needs a bearer token (Authorization: Bearer ...).",
    "malformed_token": "The bearer token is not a samverkan token.",
    "unknown_token": "The bearer token is not known.",
    "revoked_token": "The bearer token has been revoked.",
    "expired_token": "The bearer token has expired.",
    "wrong_project": "The token belongs to another project.",
    "project_not_approved": "The project is not approved.",
    "no_grant": "The project holds no grant on this dataset.",
    "rate_limited": "Too many refused tokens from this address; try again later.",
}
RATE_LIMITED = "rate_limited"


def client_key(request: Request) -> str:
    """The address a request came from (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"


def check_access(request: Request, project: str, dataset: str | None) -> Decision:
    """The token decision for ``project`` (and ``dataset``), or 429 for a guessing client."""
    limiter = request.app.state.limiter
    client = client_key(request)
    block = limiter.blocked(client)
    if block is not None:
        decision = Decision(False, 429, RATE_LIMITED)
        request.state.retry_after, request.state.first_block = block
    else:
        decision = authorise(
            request.app.state.access_db, request.headers.get("authorization"), project, dataset
        )
        if decision.status == 401:
            limiter.failed(client)
    request.state.access = decision
    return decision


def refusal_headers(request: Request, status: int, outcome: str) -> dict[str, str]:
    if status == 401:
        return {"WWW-Authenticate": www_authenticate(outcome)}
    if status == 429:
        return {"Retry-After": str(getattr(request.state, "retry_after", 60))}
    return {}


def www_authenticate(outcome: str) -> str:
    """The RFC 6750 challenge for a 401: plain without a token, invalid_token otherwise."""
    if outcome == "no_token":
        return 'Bearer realm="samverkan"'
    return f'Bearer realm="samverkan", error="invalid_token", error_description="{outcome}"'


def refusal_response(status: int, outcome: str, *, html: bool, request: Request) -> Response:
    headers = refusal_headers(request, status, outcome)
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
    decision = check_access(request, project, dataset or None)
    if decision.allowed:
        return None
    return refusal_response(decision.status, decision.outcome, html=html, request=request)
