"""`registry export` and `registry import`: the whole registry to one archive and back into an empty
database, on either engine, with the same digests, answers and a chain that verifies."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from registry.archive import ArchiveError, export_registry, import_registry
from registry.audit.services import verify_chain
from registry.db import get_engine
from registry.lists.canonical import content_digest
from registry.lists.models import ListVersion
from registry.lists.services import content_of
from registry.migrate import upgrade
from tests.conftest import TEST_AUDIT_KEY
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import add_people

CHECK = {
    "zone": "CN-TJ-FTZ",
    "on": "2030-06-01",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO.VEH.TRACK"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _digests(engine) -> dict[str, tuple[str | None, str | None, str]]:
    with Session(engine) as session:
        return {
            f"{v.zone_code}/{v.version}": (v.digest, content_digest(content_of(v)) if v.digest else None, v.status)
            for v in session.exec(select(ListVersion))
        }


@pytest.fixture
def targets(empty_database_url, tmp_path):
    """An empty database on the engine under test, and a SQLite file (the other engine on the PG pass)."""
    return [empty_database_url, f"sqlite:///{tmp_path / 'target.sqlite3'}"]


def test_the_registry_survives_export_and_import(seeded_app, as_user, targets, tmp_path, make_app):
    tianjin = Tianjin(as_user)
    tianjin.bring_to("published", version="2030", effective_from="2030-01-01")
    tianjin.draft("2031")
    add_people(seeded_app, "beijing-admin")
    archive = tmp_path / "registry.json.gz"
    counts = export_registry(get_engine(seeded_app), archive)
    assert counts["list_version"] >= 9 and counts["audit_event"] > 0
    document = json.loads(gzip.decompress(archive.read_bytes()))
    assert all(row["password_hash"] is None for row in document["tables"]["account"]), "no secrets leave"
    expected = _digests(get_engine(seeded_app))
    answer = seeded_app.test_client().post("/api/v1/checks", json=CHECK).get_json()

    for number, url in enumerate(targets):
        engine = create_engine(url)
        upgrade(engine)
        import_registry(engine, archive)
        assert _digests(engine) == expected
        assert all(stored == recomputed for stored, recomputed, _status in expected.values())
        with Session(engine) as session:
            assert verify_chain(session, key=TEST_AUDIT_KEY.encode()) == (True, None)
        engine.dispose()
        restored = make_app(f"restored-{number}", DATABASE_URL=url)
        again = restored.test_client().post("/api/v1/checks", json=CHECK).get_json()
        assert again["article6"]["list"] == answer["article6"]["list"]
        assert again["outcome"] == answer["outcome"]
        # The restored registry goes on: new rows get new ids, the chain grows and still verifies.
        add_people(restored, "registry-admin")
        with Session(get_engine(restored)) as session:
            assert verify_chain(session, key=TEST_AUDIT_KEY.encode()) == (True, None)


def test_an_archive_goes_only_into_an_empty_database(app, tmp_path):
    archive = tmp_path / "registry.json.gz"
    export_registry(get_engine(app), archive)
    with pytest.raises(ArchiveError, match="already holds records"):
        import_registry(get_engine(app), archive)


def test_a_file_that_is_not_an_archive_is_refused(empty_database_url, tmp_path):
    engine = create_engine(empty_database_url)
    upgrade(engine)
    bogus = tmp_path / "bogus.gz"
    bogus.write_bytes(b"not gzip at all")
    with pytest.raises(ArchiveError, match="not a registry archive"):
        import_registry(engine, bogus)
    other = tmp_path / "other.gz"
    other.write_bytes(gzip.compress(json.dumps({"format": "something/else"}).encode()))
    with pytest.raises(ArchiveError, match="is not a registry-archive/1 file"):
        import_registry(engine, other)
    engine.dispose()


def test_the_commands_export_and_import_through_the_cli(app, tmp_path, empty_database_url):
    from click.testing import CliRunner

    from registry.cli import main

    archive = tmp_path / "registry.json.gz"
    source = {"REGISTRY_DATABASE_URL": app.config["DATABASE_URL"], "REGISTRY_INSTANCE_PATH": app.instance_path,
              "REGISTRY_AUDIT_KEY": TEST_AUDIT_KEY}  # fmt: skip
    exported = CliRunner().invoke(main, ["export", str(archive)], env=source)
    assert exported.exit_code == 0 and "23 zone" in exported.output, exported.output
    target = {**source, "REGISTRY_DATABASE_URL": empty_database_url}
    imported = CliRunner().invoke(main, ["import", str(archive)], env=target)
    assert imported.exit_code == 0 and "23 zone" in imported.output, imported.output
    again = CliRunner().invoke(main, ["import", str(archive)], env=target)
    assert again.exit_code == 1 and "already holds records" in again.output
    verified = CliRunner().invoke(main, ["audit", "verify"], env=target)
    assert verified.exit_code == 0, verified.output
