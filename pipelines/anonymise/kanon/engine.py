"""The engine's entry point: anonymise a table with hierarchies, models and a metric.

Why: one call for the pipeline, the CLI and the benchmark. It reads the table into the
frequency table, searches the lattice, writes the release and computes the report. It
knows nothing of Airflow, datasets or files.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines.anonymise.kanon.classes import Evaluation
from pipelines.anonymise.kanon.frequency import FrequencyTable, build_frequency_table
from pipelines.anonymise.kanon.grouping import first_index
from pipelines.anonymise.kanon.hierarchy import Hierarchy
from pipelines.anonymise.kanon.metrics import Metric, metric_by_name, report_metrics
from pipelines.anonymise.kanon.models import (
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    PrivacyModel,
    TCloseness,
)
from pipelines.anonymise.kanon.recode import recode
from pipelines.anonymise.kanon.result import AnonymisationResult
from pipelines.anonymise.kanon.risk import class_risk
from pipelines.anonymise.kanon.search import evaluate_node, search
from pipelines.errors import SamverkanError


class PolicyUnattainable(SamverkanError):
    """No transformation satisfies the privacy models within the suppression limit."""

    exit_code = 3


def privacy_models(
    *,
    k: int | None = 5,
    l: float | None = None,  # noqa: E741 - the model's name
    l_variant: str = "distinct",
    t: float | None = None,
    t_distance: str = "equal",
    sensitive: Sequence[str] = (),
) -> list[PrivacyModel]:
    """The usual model set: k-anonymity, l-diversity and t-closeness on every sensitive."""
    models: list[PrivacyModel] = []
    if k is not None:
        models.append(KAnonymity(k))
    if (l is not None or t is not None) and not sensitive:
        raise SamverkanError("l-diversity and t-closeness need a sensitive attribute")
    for attribute in sensitive:
        if l is not None:
            if l_variant == "distinct":
                models.append(DistinctLDiversity(attribute, math.ceil(l)))
            elif l_variant == "entropy":
                models.append(EntropyLDiversity(attribute, l))
            else:
                raise SamverkanError("l-diversity variant must be distinct or entropy")
        if t is not None:
            models.append(TCloseness(attribute, t, t_distance))
    if not models:
        raise SamverkanError("no privacy model given")
    return models


def _as_arrow(data: pa.Table | pd.DataFrame) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError("data must be a pyarrow Table or a pandas DataFrame")


def _kept_class_labels(freq: FrequencyTable, ev: Evaluation) -> tuple[pd.DataFrame, np.ndarray]:
    """Generalised labels and size of every kept class."""
    part = ev.partition
    rep = first_index(part.class_of_combo, part.n_classes)
    kept = ~ev.class_suppressed
    frame = {}
    for dim, name in enumerate(freq.names):
        level = ev.node[dim]
        codes = np.asarray(freq.generalised(dim, level))[rep[kept]]
        frame[name] = freq.hierarchies[dim].labels(level)[codes]
    return pd.DataFrame(frame), part.sizes[kept]


def _population_sizes(
    population: pa.Table, freq: FrequencyTable, ev: Evaluation, source: str | None
) -> np.ndarray:
    """Population class size matching every kept sample class."""
    hierarchies = {name: freq.hierarchies[d] for d, name in enumerate(freq.names)}
    pop_freq = build_frequency_table(population, hierarchies, source=source)
    pop_ev = evaluate_node(pop_freq, ev.node, [], 0)
    pop_labels, pop_sizes = _kept_class_labels(pop_freq, pop_ev)
    labels, _ = _kept_class_labels(freq, ev)
    pop_labels = pop_labels.astype(object).fillna("\0missing")
    labels = labels.astype(object).fillna("\0missing")
    index = pd.MultiIndex.from_frame(pop_labels)
    where = index.get_indexer(pd.MultiIndex.from_frame(labels))
    return np.where(where >= 0, pop_sizes[np.maximum(where, 0)], 0)


def _achieved(models: Sequence[PrivacyModel], ev: Evaluation) -> dict[str, object]:
    kept = ~ev.class_suppressed
    out: dict[str, dict[str, float | None]] = {}
    for model in models:
        if model.attribute is None:
            continue
        desc = model.describe()
        key = {
            "distinct-l-diversity": "l_achieved",
            "entropy-l-diversity": "entropy_l_achieved",
            "known-value-k-anonymity": "known_value_k_achieved",
        }
        name = key.get(str(desc["model"]), f"t_achieved_{desc.get('distance', '')}")
        out.setdefault(name, {})[model.attribute] = model.achieved(ev.partition, kept)
    return out


def anonymise(
    data: pa.Table | pd.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    *,
    k: int | None = 5,
    models: Sequence[PrivacyModel] = (),
    sensitive: Sequence[str] = (),
    suppression_limit: float = 0.0,
    metric: Metric | str = "loss",
    population: pa.Table | pd.DataFrame | None = None,
    exhaustive: bool = False,
    source: str | None = None,
    recode_table: bool = True,
    subjects: np.ndarray | None = None,
) -> AnonymisationResult:
    """Find and apply the transformation of least information loss that satisfies all models.

    ``quasi_identifiers`` maps column name -> hierarchy, in the order levels are reported.
    ``k`` adds k-anonymity (None: only ``models``); ``models`` adds further models (build
    them with :func:`privacy_models`); ``sensitive`` names the sensitive attributes to
    carry (models' attributes are added). ``suppression_limit`` is the share of records
    that may be suppressed (ARX: floor(limit * records)). ``population`` (same QI columns)
    makes journalist and marketer risk use population class sizes. ``recode_table=False``
    leaves ``result.table`` as the input and keeps what ``result.labels`` needs to write
    the release a range of records at a time (for inputs larger than memory).
    ``subjects`` (a code ``0..S-1`` per record) protects data subjects rather than
    records: classes count distinct subjects, the suppression limit is a share of
    subjects, and a subject in a violating class is suppressed on all its records.
    Raises :class:`PolicyUnattainable` when no transformation qualifies.
    """
    started = time.perf_counter()
    table = _as_arrow(data)
    all_models: list[PrivacyModel] = ([KAnonymity(k)] if k is not None else []) + list(models)
    if not all_models:
        raise SamverkanError("no privacy model given", file=source)
    if not 0.0 <= suppression_limit <= 1.0:
        raise SamverkanError("suppression limit must lie in [0, 1]", file=source)
    attributes = list(
        dict.fromkeys([*sensitive, *(m.attribute for m in all_models if m.attribute)])
    )
    chosen = metric_by_name(metric) if isinstance(metric, str) else metric

    freq = build_frequency_table(
        table, quasi_identifiers, attributes, source=source, subjects=subjects
    )
    unit = "subjects" if freq.by_subject else "records"
    max_suppressed = math.floor(suppression_limit * freq.n_units)
    result = search(freq, all_models, chosen, max_suppressed, exhaustive=exhaustive)
    best = result.best
    if best is None:
        raise PolicyUnattainable(
            "no generalisation satisfies the privacy models with at most "
            f"{max_suppressed} suppressed {unit[:-1]}(s)",
            file=source,
        )
    searched = time.perf_counter()
    release = recode(table, freq, best) if recode_table else table

    losses: dict[str, float] = {}
    for m in report_metrics():
        m.prepare(freq)
        losses[m.name] = m.value(best)
    losses[chosen.name] = float(best.loss) if best.loss is not None else chosen.value(best)

    k_min = max(m.min_class_size for m in all_models)
    kept_sizes = best.partition.sizes[~best.class_suppressed]
    pop_sizes = None
    if population is not None:
        pop_sizes = _population_sizes(_as_arrow(population), freq, best, source)
    risk = class_risk(kept_sizes, k_min, pop_sizes)
    if freq.by_subject:
        from pipelines.anonymise.kanon.classes import partition as _partition

        finest = _partition(freq, tuple(0 for _ in freq.names))
        risk["input"] = class_risk(finest.sizes, k_min)
        risk["unit"] = "subjects"
    else:
        risk["input"] = class_risk(freq.counts, k_min)
        risk["unit"] = "records"
    k_achieved = int(kept_sizes.min()) if len(kept_sizes) else 0
    k_release = min(k_achieved, best.suppressed) if best.suppressed else k_achieved
    if not len(kept_sizes):
        k_release = best.suppressed

    details: dict[str, object] = {
        "quasi_identifiers": list(freq.names),
        "sensitive": attributes,
        "models": [m.describe() for m in all_models],
        "suppression_limit": suppression_limit,
        "unit": unit,
        "subjects": freq.n_subjects if freq.by_subject else None,
        "suppressed_subjects": int(best.suppressed) if freq.by_subject else None,
        f"max_suppressed_{unit}": max_suppressed,
        "classes": len(kept_sizes),
        **_achieved(all_models, best),
        "search": {
            "nodes": result.nodes,
            "evaluated": result.evaluated,
            "strategy": result.strategy,
            "search_s": searched - started,
        },
    }
    return AnonymisationResult(
        table=release,
        transformation={name: int(best.node[d]) for d, name in enumerate(freq.names)},
        suppressed_records=best.suppressed_records,
        records=freq.n_records,
        k_achieved=k_achieved,
        k_achieved_release=int(k_release),
        information_loss=losses,
        metric=chosen.name,
        risk=risk,
        runtime_s=time.perf_counter() - started,
        details=details,
        suppressed_rows=(
            best.combo_suppressed[freq.record_combo]
            if best.suppressed
            else np.zeros(freq.n_records, dtype=bool)
        ),
        frequency=None if recode_table else freq,
        evaluation=None if recode_table else best,
    )
