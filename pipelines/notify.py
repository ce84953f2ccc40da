"""Failure summaries for the people on call: one line, never a data value.

``failure_summary`` names dataset, task, run and reason. The reason is a ``SamverkanError``'s
one line (built from locations only, by design) or an Airflow error's first line; any other
exception may carry a value in its text, so only its type is named and the details stay in
the task log (restricted zone). ``notify_failure`` sends the line to the webhook in
``SAMVERKAN_ALERT_WEBHOOK`` (JSON ``{"text": ...}``, as Slack, Teams and Mattermost accept)
and/or by e-mail to ``SAMVERKAN_ALERT_EMAIL`` through Airflow's SMTP connection.
``on_task_failure`` is the Airflow callback that does both.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Mapping
from typing import Any

from pipelines.errors import SamverkanError

log = logging.getLogger(__name__)

MAX_REASON = 300
SMTP_CONN_ENV = "SAMVERKAN_ALERT_SMTP_CONN_ID"


def safe_reason(exc: BaseException | str | None) -> str:
    """The reason to send: a value-free line (see the module doc)."""
    if exc is None:
        return "no exception recorded (killed, timed out or marked failed)"
    if isinstance(exc, str):
        text = exc
    else:
        module = type(exc).__module__ or ""
        if isinstance(exc, SamverkanError):
            text = exc.one_line()
        elif module.startswith("airflow"):
            text = f"{type(exc).__name__}: {str(exc).strip()}"
        else:
            return f"internal error ({type(exc).__name__}); details in the task log"
    first = (text.strip().splitlines() or [""])[0].strip()
    return first[:MAX_REASON] + ("..." if len(first) > MAX_REASON else "")


def failure_summary(
    *, dataset: str, task: str, run_id: str, exc: BaseException | str | None
) -> str:
    return f"samverkan: dataset {dataset}, task {task}, run {run_id} failed: {safe_reason(exc)}"


def send_webhook(url: str, text: str, fields: Mapping[str, str], timeout: float = 10) -> None:
    body = json.dumps({"text": text, **fields}).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def send_email(to: str, subject: str, text: str) -> None:
    """E-mail through Airflow's SMTP connection (``smtp_default`` unless configured)."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    conn_id = os.environ.get(SMTP_CONN_ENV) or "smtp_default"
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        hook.send_email_smtp(
            to=[a.strip() for a in to.split(",") if a.strip()],
            subject=subject,
            html_content=f"<pre>{text}</pre>",
        )


def notify_failure(
    summary: str, fields: Mapping[str, str], *, webhook: str | None, email: str | None
) -> list[str]:
    """Send ``summary`` where configured; returns the channels used. Never raises."""
    log.error("%s", summary)
    sent = []
    if webhook:
        try:
            send_webhook(webhook, summary, fields)
            sent.append("webhook")
        except Exception as exc:
            log.warning("alert webhook failed (%s)", type(exc).__name__)
    if email:
        try:
            send_email(email, summary, summary)
            sent.append("email")
        except Exception as exc:
            log.warning("alert e-mail failed (%s)", type(exc).__name__)
    return sent


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Airflow ``on_failure_callback``: summarise the failed task and send the alert."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = str(getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?"))
    task = str(getattr(ti, "task_id", None) or "?")
    run_id = str(context.get("run_id") or getattr(context.get("dag_run"), "run_id", "?"))
    dataset = dag_id.removeprefix("samverkan_")
    summary = failure_summary(
        dataset=dataset, task=task, run_id=run_id, exc=context.get("exception")
    )
    fields = {"dataset": dataset, "task": task, "run_id": run_id, "dag_id": dag_id}
    notify_failure(
        summary,
        fields,
        webhook=os.environ.get("SAMVERKAN_ALERT_WEBHOOK") or None,
        email=os.environ.get("SAMVERKAN_ALERT_EMAIL") or None,
    )
