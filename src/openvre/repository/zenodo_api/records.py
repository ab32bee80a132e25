"""Zenodo's records API: search, one record, its versions and its files; no token needed.

Records are public pages: their metadata is shown to anyone. Their files follow the record's access
right: open (or embargo ended) for anyone, otherwise only for the owner (and administrators) with a
token. A concept id answers with the newest version, as Zenodo does.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from openvre.db import Database, utcnow
from openvre.identity import Account, may
from openvre.repository import records
from openvre.repository.errors import DepositFileNotFound, FileAccessDenied
from openvre.repository.files import StoredFile
from openvre.repository.records import Record, RecordQuery
from openvre.repository.zenodo_api._shapes import hits, record_file_json, record_json
from openvre.repository.zenodo_api._wire import ConfigDep, Links, LinksDep, OptionalCaller, flag, many
from openvre.repository.zenodo_api.files import file_response
from openvre.web.deps import DatabaseDep, DbSession

router = APIRouter(prefix="/api/records")

# The query parameters that filter (repeatable, or comma-separated) and the RecordQuery field each fills.
_FILTERS = {"communities": "communities", "type": "types", "subtype": "subtypes", "keywords": "keywords"}
_FILTERS |= {"file_type": "file_types", "subject": "keywords"}
_PAGING = ("page", "size", "access_token")  # not repeated in page links: they set their own, and no secrets


@router.get("")
def search_records(
    request: Request,
    caller: OptionalCaller,
    session: DbSession,
    links: LinksDep,
    q: str = "",
    sort: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1)] = 10,
    all_versions: str | None = None,
) -> Any:
    """``{hits: {hits, total}, links, aggregations}``; filters repeat or take commas (``type=software``)."""
    filters: dict[str, tuple[str, ...]] = {}
    for parameter, field in _FILTERS.items():
        filters[field] = filters.get(field, ()) + many(request.query_params.getlist(parameter))
    query = RecordQuery(q=q, sort=sort, page=page, size=size, all_versions=flag(all_versions), **filters)
    return search_answer(session, query, caller, links, request, "/api/records")


@router.get("/{recid}")
def get_record(recid: int, caller: OptionalCaller, session: DbSession, links: LinksDep) -> Any:
    record = records.get_record(session, recid)
    return record_json(record, links, show_files=_may_read_files(record, caller))


@router.get("/{recid}/versions")
def list_versions(recid: int, caller: OptionalCaller, session: DbSession, links: LinksDep) -> Any:
    versions = records.list_versions(session, recid)
    items = [record_json(record, links, show_files=_may_read_files(record, caller)) for record in versions]
    return hits(items, len(items), f"{links.api}/records/{recid}/versions", 1, max(len(items), 1))


@router.get("/{recid}/versions/latest")
def latest_version(recid: int, caller: OptionalCaller, session: DbSession, links: LinksDep) -> Any:
    """The newest version of the work ``recid`` belongs to (openscm-zenodo follows ``links.latest`` here)."""
    record = records.get_record(session, records.get_record(session, recid).latest_recid)
    return record_json(record, links, show_files=_may_read_files(record, caller))


@router.get("/{recid}/files")
def list_files(recid: int, caller: OptionalCaller, session: DbSession, links: LinksDep) -> Any:
    record = records.get_record(session, recid)
    _require_file_access(record, caller)
    entries = [record_file_json(stored, record.recid, links) for stored in record.files]
    return {"entries": entries, "links": {"self": f"{links.api}/records/{recid}/files"}}


@router.get("/{recid}/files/{key:path}/content")
async def download_file(
    recid: int, key: str, caller: OptionalCaller, database: DatabaseDep, config: ConfigDep
) -> Response:
    stored = await run_in_threadpool(_readable_file, database, recid, key, caller)
    return await file_response(config, stored)


def search_answer(
    session: Session, query: RecordQuery, caller: Account | None, links: Links, request: Request, path: str
) -> dict[str, Any]:
    """A search as Zenodo answers it, with page links that keep the query's other parameters."""
    result = records.search_records(session, query)
    items = [record_json(record, links, show_files=_may_read_files(record, caller)) for record in result.records]
    kept = [(name, value) for name, value in request.query_params.multi_items() if name not in _PAGING]
    self_url = f"{links.base}{path}" + (f"?{urlencode(kept)}" if kept else "")
    answer = hits(items, result.total, self_url, query.page, query.size)
    answer["aggregations"] = {
        facet: {"buckets": [{"key": key, "doc_count": count} for key, count in counts.items()]}
        for facet, counts in result.aggregations.items()
    }
    return answer


def _may_read_files(record: Record, caller: Account | None) -> bool:
    if record.files_are_public(utcnow().date()):
        return True
    return caller is not None and bool(may(caller, "read_closed_files", record.owner))


def _require_file_access(record: Record, caller: Account | None) -> None:
    if _may_read_files(record, caller):
        return
    access = record.access_right
    until = f" until {record.metadata.get('embargo_date')}" if access == "embargoed" else ""
    raise FileAccessDenied(
        f"the files of record {record.recid} are {access}{until}; only its owner may download them "
        "(send the owner's token), or ask the owner for access"
    )


def _readable_file(database: Database, recid: int, key: str, caller: Account | None) -> StoredFile:
    with database.transaction() as session:
        record = records.get_record(session, recid)
        _require_file_access(record, caller)
        stored = next((stored for stored in record.files if stored.key == key), None)
        if stored is None:
            raise DepositFileNotFound(f"record {recid} has no file {key!r}; its files are listed in the record")
        return stored
