"""RSEs, attributes, protocols and RSE expressions over the database, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest

from openvre.datalake import protocols, rses
from openvre.datalake.errors import Duplicate, InvalidObject, InvalidRSEExpression, RSENotFound
from openvre.db import Database


def test_add_rse_tags_it_with_its_own_name(database: Database) -> None:
    with database.transaction() as session:
        rse = rses.add_rse(session, "SITE_A")
    assert len(rse.id) == 32 and int(rse.id, 16) >= 0
    assert (rse.deterministic, rse.rse_type, rse.volatile, rse.availability) == (True, "DISK", False, 7)
    with database.transaction() as session:
        assert rses.list_rse_attributes(session, "SITE_A") == {"SITE_A": True}
        assert rses.get_rse(session, "SITE_A") == rse
        assert rses.get_rse_by_id(session, rse.id) == rse


def test_duplicate_and_invalid_rse_names(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_A")
        with pytest.raises(Duplicate, match="'SITE_A' already exists"):
            rses.add_rse(session, "SITE_A")
        with pytest.raises(InvalidObject, match="uppercase"):
            rses.add_rse(session, "site_a")
        with pytest.raises(InvalidObject, match="DISK or TAPE"):
            rses.add_rse(session, "SITE_B", rse_type="FLOPPY")


def test_unknown_rse_says_how_to_list_them(database: Database) -> None:
    with database.transaction() as session, pytest.raises(RSENotFound, match=r"RSE 'NOPE' cannot be found.*rse list"):
        rses.get_rse(session, "NOPE")


def test_list_and_update_availability(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_B")
        rses.add_rse(session, "SITE_A", deterministic=False, rse_type="TAPE", volatile=True)
        updated = rses.update_rse(session, "SITE_B", availability_write=False)
    assert (updated.availability_read, updated.availability_write, updated.availability) == (True, False, 5)
    with database.transaction() as session:
        listed = rses.list_rses(session)
    assert [rse.name for rse in listed] == ["SITE_A", "SITE_B"]
    assert (listed[0].deterministic, listed[0].rse_type, listed[0].volatile) == (False, "TAPE", True)
    assert not listed[1].availability_write


def test_attributes_are_set_replaced_and_deleted(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_A")
        rses.add_rse_attribute(session, "SITE_A", "tier", 1)
        rses.add_rse_attribute(session, "SITE_A", "country", "CH")
        rses.add_rse_attribute(session, "SITE_A", "tier", 2)
        assert rses.list_rse_attributes(session, "SITE_A") == {"SITE_A": True, "country": "CH", "tier": 2}
        rses.delete_rse_attribute(session, "SITE_A", "country")
        assert "country" not in rses.list_rse_attributes(session, "SITE_A")
        with pytest.raises(RSENotFound, match="no attribute 'country'"):
            rses.delete_rse_attribute(session, "SITE_A", "country")
        with pytest.raises(InvalidObject, match="attribute key"):
            rses.add_rse_attribute(session, "SITE_A", "bad key", 1)


def test_expressions_read_attributes_from_the_database(database: Database) -> None:
    with database.transaction() as session:
        for name, tier in (("SITE_A", 1), ("SITE_B", 2), ("SITE_C", 1)):
            rses.add_rse(session, name)
            rses.add_rse_attribute(session, name, "tier", tier)
        rses.add_rse_attribute(session, "SITE_C", "istape", True)
    with database.transaction() as session:
        assert rses.resolve_rse_expression(session, "SITE_B") == ["SITE_B"]
        assert rses.resolve_rse_expression(session, "tier=1") == ["SITE_A", "SITE_C"]
        assert rses.resolve_rse_expression(session, "tier=1\\istape=true") == ["SITE_A"]
        assert rses.resolve_rse_expression(session, "*") == ["SITE_A", "SITE_B", "SITE_C"]
        assert rses.resolve_rse_expression(session, "tier>1") == ["SITE_B"]
        with pytest.raises(InvalidRSEExpression, match="empty set"):
            rses.resolve_rse_expression(session, "tier=3")


def test_add_protocol_normalises_domains_and_port(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_A")
        protocol = rses.add_protocol(
            session, "SITE_A", "file", "localhost", None, "/srv/a/", protocols.POSIX_IMPL, {"wan": {"read": 1}}
        )
    assert protocol.port == 0
    assert protocol.domains == {
        "lan": {"read": None, "write": None, "delete": None},
        "wan": {"read": 1, "write": None, "delete": None}
        | {"third_party_copy_read": None, "third_party_copy_write": None},
    }
    assert protocol.priority("read") == 1 and protocol.priority("write") is None


def test_protocol_errors(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_A")
        rses.add_protocol(
            session, "SITE_A", "file", "localhost", 0, "/a/", protocols.POSIX_IMPL, protocols.POSIX_DOMAINS
        )
        with pytest.raises(Duplicate, match="Protocol 'file' on port 0 already registered"):
            rses.add_protocol(session, "SITE_A", "file", "localhost", 0, "/b/", protocols.POSIX_IMPL, None)
        with pytest.raises(InvalidObject, match="'lan' or 'wan'"):
            rses.add_protocol(session, "SITE_A", "file", "h", 0, "/a/", protocols.POSIX_IMPL, {"moon": {}})
        with pytest.raises(InvalidObject, match="unknown operation 'fly'"):
            rses.add_protocol(session, "SITE_A", "file", "h", 0, "/a/", protocols.POSIX_IMPL, {"lan": {"fly": 1}})
        with pytest.raises(InvalidObject, match="65535"):
            rses.add_protocol(session, "SITE_A", "root", "h", 70000, "/a/", "rucio.rse.protocols.xrootd.Default", {})
        with pytest.raises(RSENotFound):
            rses.add_protocol(session, "NOPE", "file", "h", 0, "/a/", protocols.POSIX_IMPL, None)


def test_local_rse_is_what_the_posix_client_expects(database: Database, tmp_path: Path) -> None:
    with database.transaction() as session:
        rses.add_local_rse(session, "SITE_A", tmp_path / "rse")
        info = rses.rse_info(session, "SITE_A")
    assert info["lfn2pfn_algorithm"] == "hash"
    assert info["availability_write"] is True and info["verify_checksum"] is True
    assert info["domain"] == ["lan", "wan"]
    assert info["protocols"] == [
        {
            "scheme": "file",
            "hostname": "localhost",
            "port": 0,
            "prefix": f"{tmp_path / 'rse'}/",
            "impl": "rucio.rse.protocols.posix.Default",
            "domains": protocols.POSIX_DOMAINS,
            "extended_attributes": None,
        }
    ]
    assert not (tmp_path / "rse").exists(), "registering an RSE writes nothing to storage"


def test_storage_rse_takes_paths_file_urls_and_fsspec_urls(database: Database, tmp_path: Path) -> None:
    with database.transaction() as session:
        rses.add_storage_rse(session, "LOCAL_PATH", tmp_path / "a")
        rses.add_storage_rse(session, "LOCAL_URL", f"file://{tmp_path}/b")
        rses.add_storage_rse(session, "BUCKET", "s3://bucket/prefix")
        local = rses.list_protocols(session, "LOCAL_URL")[0]
        bucket = rses.list_protocols(session, "BUCKET")[0]
        assert rses.list_protocols(session, "LOCAL_PATH")[0].prefix == f"{tmp_path}/a/"
    assert (local.scheme, local.prefix, local.impl) == ("file", f"{tmp_path}/b/", protocols.POSIX_IMPL)
    assert (bucket.scheme, bucket.hostname, bucket.prefix) == ("s3", "bucket", "s3://bucket/prefix/")
    assert bucket.impl == protocols.FSSPEC_IMPL


def test_verify_checksum_attribute_reaches_rse_info(database: Database) -> None:
    with database.transaction() as session:
        rses.add_rse(session, "SITE_A")
        rses.add_rse_attribute(session, "SITE_A", "verify_checksum", False)
        assert rses.rse_info(session, "SITE_A")["verify_checksum"] is False
