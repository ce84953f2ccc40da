"""Read key figures in the Kolada v2 API shape: paged JSON, over HTTP or from saved pages.

Kolada answers ``{"values": [{kpi, municipality, period, values: [{gender, count, status,
value}]}], "count": N, "next_page": URL|null}``. Each inner value becomes one row. Over HTTP
pages are fetched with retries and back-off; saved pages (``page-0001.json`` ...) must form a
complete chain, so a truncated download is refused rather than published as complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.errors import ExtractError, TransientError
from pipelines.extract.convert import Where, arrow_schema, convert_any
from pipelines.specs.model import Column, KoladaSource

FIELDS = ("kpi", "municipality", "period", "gender", "count", "status", "value")
MAX_PAGES = 10_000


class KoladaUnavailable(ExtractError, TransientError):
    """Kolada did not answer (network, 5xx, 429); the extract may be retried."""


def _rows(page: dict[str, Any], label: str, dataset: str) -> list[dict[str, Any]]:
    values = page.get("values")
    if not isinstance(values, list):
        raise ExtractError("page has no 'values' list", dataset=dataset, file=label)
    rows: list[dict[str, Any]] = []
    for i, entry in enumerate(values, start=1):
        inner = entry.get("values") if isinstance(entry, dict) else None
        if not isinstance(inner, list):
            raise ExtractError(
                "entry has no inner 'values' list", dataset=dataset, file=label, row=i
            )
        for item in inner:
            if not isinstance(item, dict):
                raise ExtractError(
                    "inner value is not an object", dataset=dataset, file=label, row=i
                )
            rows.append(
                {
                    "kpi": entry.get("kpi"),
                    "municipality": entry.get("municipality"),
                    "period": entry.get("period"),
                    "gender": item.get("gender"),
                    "count": item.get("count"),
                    "status": item.get("status") or None,
                    "value": item.get("value"),
                }
            )
    return rows


def _to_batch(rows: list[dict[str, Any]], columns: list[Column], where: Where) -> pa.RecordBatch:
    arrays = []
    for col in columns:
        if col.source_name not in FIELDS:
            raise ExtractError(
                "column is not a Kolada field", dataset=where.dataset, column=col.source_name
            )
        values = [r[col.source_name] for r in rows]
        try:
            raw = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raw = pa.array([None if v is None else str(v) for v in values], pa.string())
        arrays.append(convert_any(raw, col, where))
    return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema(columns))


def _pages_from_files(folder: Path, dataset: str) -> Iterator[tuple[str, dict[str, Any]]]:
    files = sorted(folder.glob("page-*.json"))
    if not files:
        raise ExtractError(
            "no saved Kolada pages (page-*.json) found", dataset=dataset, file=str(folder)
        )
    for n, path in enumerate(files, start=1):
        try:
            page = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            row = getattr(exc, "lineno", None)
            raise ExtractError(
                "page is not valid JSON", dataset=dataset, file=path.name, row=row
            ) from None
        if not isinstance(page, dict):
            raise ExtractError("page is not a JSON object", dataset=dataset, file=path.name)
        last = n == len(files)
        if bool(page.get("next_page")) == last:
            problem = (
                "last saved page still points to a next page: the download is incomplete"
                if last
                else "a page before the last has no next_page"
            )
            raise ExtractError(problem, dataset=dataset, file=path.name)
        yield path.name, page


def _pages_from_http(
    base_url: str, source: KoladaSource, dataset: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(
        total=5,
        backoff_factor=0.5,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    url = base_url.rstrip("/") + source.api_path
    for page_no in range(1, MAX_PAGES + 1):
        label = f"{source.api_path} page {page_no}"
        try:
            response = session.get(
                url, params={"page": page_no, "per_page": source.per_page}, timeout=30
            )
        except requests.RequestException as exc:
            raise KoladaUnavailable(
                f"Kolada request failed ({type(exc).__name__})", dataset=dataset, file=label
            ) from None
        if response.status_code != 200:
            busy = response.status_code >= 500 or response.status_code == 429
            error = KoladaUnavailable if busy else ExtractError
            raise error(f"Kolada answered HTTP {response.status_code}", dataset=dataset, file=label)
        try:
            page = response.json()
        except ValueError:
            raise ExtractError(
                "Kolada answered with invalid JSON", dataset=dataset, file=label
            ) from None
        yield label, page
        if not page.get("next_page"):
            return
    raise ExtractError(f"more than {MAX_PAGES} pages; refusing to continue", dataset=dataset)


def read_kolada_batches(
    source: KoladaSource,
    columns: list[Column],
    dataset: str,
    *,
    folder: Path,
    base_url: str | None,
) -> Iterator[pa.RecordBatch]:
    pages: Iterable[tuple[str, dict[str, Any]]] = (
        _pages_from_http(base_url, source, dataset)
        if base_url
        else _pages_from_files(folder, dataset)
    )
    rows_done = 0
    expected: int | None = None
    entries = 0
    for label, page in pages:
        rows = _rows(page, label, dataset)
        if expected is None and isinstance(page.get("count"), int):
            expected = page["count"]
        entries += len(page.get("values", []))
        where = Where(dataset=dataset, file=label, first_row=rows_done + 1)
        rows_done += len(rows)
        yield _to_batch(rows, columns, where)
    if expected is not None and entries != expected:
        raise ExtractError(
            f"pages hold {entries} entries but Kolada announced {expected}", dataset=dataset
        )
