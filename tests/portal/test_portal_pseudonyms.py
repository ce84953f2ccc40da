"""Project-tier pseudonyms: stable across one project's releases, unlinkable across projects."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipelines.anonymise.pseudonym import PseudonymKey, pseudonymise_value


def _pseudonyms(world, project: str, version: str) -> list[str]:
    path = world.store / "project" / project / "hemtjanst" / version / "data"
    return pq.read_table(path, columns=["personnummer"]).column(0).to_pylist()


def _raw_identifiers(world, project: str, version: str) -> list[str]:
    """The personnummer column of that release's raw extract (raw zone, never published)."""
    extract = world.settings.raw_dir / "hemtjanst" / "runs" / f"{version}-{project}"
    return (
        pq.read_table(extract / "extract.parquet", columns=["personnummer"]).column(0).to_pylist()
    )


def test_pseudonyms_are_stable_across_two_releases_of_one_project(world) -> None:
    v1, v2, _ = world.versions
    first, second = _pseudonyms(world, "alpha", v1), _pseudonyms(world, "alpha", v2)
    assert len(second) < len(first)  # the second release has fewer rows, the same people
    assert set(second) <= set(first)
    assert all(len(p) == 64 for p in first)


def test_two_projects_releases_cannot_be_lined_up_by_position(world) -> None:
    """Each release has its own row order: position i of alpha's release and of beta's
    hold the same person only by chance."""
    v1 = world.versions[0]
    people = {p for p in _raw_identifiers(world, "alpha", v1) if p}
    keys = {name: PseudonymKey("test", world.keys[name].encode()) for name in ("alpha", "beta")}
    person_of = {
        name: {pseudonymise_value(key, p): p for p in people} for name, key in keys.items()
    }
    alpha = [person_of["alpha"].get(p) for p in _pseudonyms(world, "alpha", v1)]
    beta = [person_of["beta"].get(p) for p in _pseudonyms(world, "beta", v1)]
    assert len(alpha) == len(beta)
    same = sum(a is not None and a == b for a, b in zip(alpha, beta, strict=True))
    assert same < 0.1 * len(alpha)
    assert sorted(filter(None, alpha)) == sorted(filter(None, beta))  # the same people


def test_two_projects_share_no_pseudonym_for_the_same_people(world) -> None:
    v1 = world.versions[0]
    alpha, beta = _pseudonyms(world, "alpha", v1), _pseudonyms(world, "beta", v1)
    assert len(alpha) == len(beta)
    assert len(set(alpha)) == len(set(beta)) > 1  # the same people, counted the same
    assert not set(alpha) & set(beta)


def test_pseudonyms_are_the_project_keys_hmac_and_never_the_identifier(world) -> None:
    people = _raw_identifiers(world, "alpha", world.versions[1])
    released = set(_pseudonyms(world, "alpha", world.versions[1]))
    key = PseudonymKey("test", world.keys["alpha"].encode())
    assert {pseudonymise_value(key, p) for p in people if p} == released
    assert not released & {p for p in people if p}
    manifest = (
        world.store / "project" / "alpha" / "hemtjanst" / world.versions[1] / "manifest.json"
    ).read_text(encoding="utf-8")
    assert world.keys["alpha"] not in manifest
    assert "pseudonym_key_id" in manifest


def test_open_tier_has_no_pseudonyms(world) -> None:
    table = pq.read_table(world.store / "open" / "hemtjanst" / world.versions[0] / "data")
    assert "personnummer" not in table.column_names
