"""Refuse to start with a placeholder secret: ``.env.example``'s ``change-me`` values.

A copied ``.env.example`` runs, so nothing would tell an operator that the portal's object
store key or a database password is still the published example. Secrets are the
variables whose names say so (password, secret, key, token, a connection or a URL that may
carry a password); the error names the variable, never its value. ``samverkan serve``
checks at start, and ``python -m pipelines.secrets`` is the first step of the compose
stack's ``airflow-init``, so nothing starts on the example values.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

from pipelines.errors import SamverkanError

SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEY|TOKEN|_URL|_CONN)", re.IGNORECASE)
PLACEHOLDER = re.compile(r"change[-_]?me", re.IGNORECASE)


class PlaceholderSecretError(SamverkanError):
    """A secret still holds the example value of ``.env.example``."""


def placeholder_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of secret-bearing variables whose value is a placeholder."""
    env = os.environ if environ is None else environ
    return sorted(
        name
        for name, value in env.items()
        if SECRET_NAME.search(name) and PLACEHOLDER.search(value)
    )


def refuse_placeholders(
    environ: Mapping[str, str] | None = None, options: Mapping[str, str | None] | None = None
) -> None:
    """Raise when a secret, or a command-line option's value (a URL), is a placeholder."""
    names = placeholder_secrets(environ)
    names += [name for name, v in (options or {}).items() if v and PLACEHOLDER.search(v)]
    if names:
        raise PlaceholderSecretError(
            "the example placeholder value is still set in "
            + ", ".join(names)
            + ": set a real value in .env (see .env.example)"
        )


def main() -> int:
    """``python -m pipelines.secrets``: exit 2 naming every placeholder secret (compose init)."""
    try:
        refuse_placeholders()
    except PlaceholderSecretError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
