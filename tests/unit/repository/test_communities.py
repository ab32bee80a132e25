"""Communities: creation, search, and inclusion of whole works on a curator's acceptance."""

import pytest

from openvre.db import Database
from openvre.identity import Account
from openvre.repository import communities, deposits
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import (
    CommunityExists,
    CommunityNotFound,
    InvalidMetadata,
    NotCurator,
    WrongState,
)
from tests.unit.repository.conftest import METADATA, published

IN_ASTRO = {**METADATA, "communities": [{"identifier": "astro"}]}


@pytest.fixture
def astro(database: Database, bob: Account) -> communities.Community:
    with database.transaction() as session:
        return communities.create_community(session, "bob", "astro", "Astroparticle physics", "Cosmic rays")


def test_create_get_and_search(database: Database, astro: communities.Community) -> None:
    assert (astro.owner, astro.curators) == ("bob", ("bob",))
    with database.transaction() as session:
        assert communities.get_community(session, astro.id) == astro
        assert communities.get_community(session, "ASTRO") == astro
        communities.create_community(session, "alice", "bio", "Biology")
        found, total = communities.search_communities(session, "cosmic")
        assert ([c.slug for c in found], total) == (["astro"], 1)
        everything, total = communities.search_communities(session, "", size=1)
        assert (len(everything), total) == (1, 2)
        with pytest.raises(CommunityExists, match="choose another identifier"):
            communities.create_community(session, "alice", "astro", "Again")
        with pytest.raises(InvalidMetadata) as caught:
            communities.create_community(session, "alice", "Bad Slug!", "")
        assert {p.field for p in caught.value.problems} == {"slug", "metadata.title"}
        with pytest.raises(CommunityNotFound, match="search /api/communities"):
            communities.get_community(session, "nope")


def test_publishing_asks_and_a_curator_accepts(
    database: Database, config: RepositoryConfig, alice: Account, bob: Account, astro: communities.Community
) -> None:
    record = published(database, config, alice, IN_ASTRO)
    with database.transaction() as session:
        (request,) = communities.list_requests(session, "astro")
        assert (request.status, request.is_open, request.recid, request.title) == (
            "submitted", True, record.recid, METADATA["title"],
        )  # fmt: skip
        with pytest.raises(NotCurator, match="ask its owner bob"):
            communities.accept_request(session, request.id, alice)
        accepted = communities.accept_request(session, request.id, bob)
        assert (accepted.status, accepted.decided_by) == ("accepted", "bob")
        with pytest.raises(WrongState, match="accepted already"):
            communities.decline_request(session, request.id, bob)
        assert communities.list_requests(session, "astro", status="submitted") == []


def test_every_version_is_in_once_the_work_is(
    database: Database, config: RepositoryConfig, alice: Account, bob: Account, astro: communities.Community
) -> None:
    record = published(database, config, alice, IN_ASTRO)
    with database.transaction() as session:
        (request,) = communities.list_requests(session, "astro")
        communities.accept_request(session, request.id, bob)
        draft = deposits.new_version(session, config, record.recid)
        deposits.publish(session, config, draft.recid, alice)
        (still,) = communities.list_requests(session, "astro")
        assert still.status == "accepted"


def test_a_curators_own_record_is_included_at_once(
    database: Database, config: RepositoryConfig, bob: Account, astro: communities.Community
) -> None:
    published(database, config, bob, IN_ASTRO)
    with database.transaction() as session:
        (request,) = communities.list_requests(session, "astro")
        assert (request.status, request.decided_by) == ("accepted", "bob")


def test_a_declined_work_asks_again_when_republished(
    database: Database, config: RepositoryConfig, alice: Account, bob: Account, astro: communities.Community
) -> None:
    record = published(database, config, alice, IN_ASTRO)
    with database.transaction() as session:
        (request,) = communities.list_requests(session, "astro")
        communities.decline_request(session, request.id, bob)
        deposits.edit(session, config, record.recid)
        deposits.publish(session, config, record.recid, alice)
        (again,) = communities.list_requests(session, "astro")
        assert again.status == "submitted"


def test_curators_added_by_the_owner(
    database: Database, config: RepositoryConfig, alice: Account, bob: Account, astro: communities.Community
) -> None:
    with database.transaction() as session:
        with pytest.raises(NotCurator, match="only the owner"):
            communities.add_curator(session, "astro", "alice", alice)
        updated = communities.add_curator(session, "astro", "alice", bob)
        assert updated.curators == ("bob", "alice") and updated.is_curator(alice)
