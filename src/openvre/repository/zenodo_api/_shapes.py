"""Zenodo's JSON shapes, built from the repository's core objects; tables never reach the wire.

Depositions and records follow Zenodo's legacy REST API (what openscm-zenodo and eossr read: ``id``,
``conceptrecid``, ``metadata.prereserve_doi``, ``links.bucket``, ``links.latest_draft``,
``metadata.relations``, ``files[].links.self``); communities, requests and licenses follow the
InvenioRDM shapes Zenodo serves them in today.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from openvre.repository.communities import Community, InclusionRequest
from openvre.repository.deposits import Deposition
from openvre.repository.dois import doi_url
from openvre.repository.files import Bucket, StoredFile
from openvre.repository.licenses import License
from openvre.repository.records import Record
from openvre.repository.zenodo_api._wire import Links, timestamp

_TYPE_TITLES = {"physicalobject": "Physical object"}
_ACCESS_CATEGORY = {"open": "success", "embargoed": "warning", "restricted": "warning", "closed": "danger"}


def deposition_json(deposition: Deposition, links: Links) -> dict[str, Any]:
    recid = deposition.recid
    metadata: dict[str, Any] = {
        **deposition.metadata,
        "prereserve_doi": {"doi": deposition.reserved_doi, "recid": recid},
    }
    if deposition.doi:
        metadata["doi"] = deposition.doi
    body: dict[str, Any] = {
        "id": recid,
        "record_id": recid,
        "conceptrecid": str(deposition.concept_recid),
        "doi": deposition.doi or "",
        "doi_url": doi_url(deposition.doi) if deposition.doi else "",
        "created": timestamp(deposition.created_at),
        "modified": timestamp(deposition.updated_at),
        "owner": deposition.owner,
        "state": deposition.zenodo_state,
        "submitted": deposition.is_published,
        "title": str(deposition.metadata.get("title", "")),
        "metadata": metadata,
        "files": [legacy_file_json(stored, deposition, links) for stored in deposition.files],
        "links": _deposition_links(deposition, links),
    }
    if deposition.conceptdoi:
        body["conceptdoi"] = deposition.conceptdoi
    return body


def _deposition_links(deposition: Deposition, links: Links) -> dict[str, str]:
    api, base, recid = links.api, links.base, deposition.recid
    own = f"{api}/deposit/depositions/{recid}"
    draft = deposition.latest_draft_recid or recid
    result = {
        "self": own,
        "html": f"{base}/deposit/{recid}",
        "files": f"{own}/files",
        "bucket": f"{api}/files/{deposition.bucket_id}",
        "publish": f"{own}/actions/publish",
        "edit": f"{own}/actions/edit",
        "discard": f"{own}/actions/discard",
        "newversion": f"{own}/actions/newversion",
        "latest_draft": f"{api}/deposit/depositions/{draft}",
        "latest_draft_html": f"{base}/deposit/{draft}",
    }
    if deposition.is_published:
        result |= {
            "record": f"{api}/records/{recid}",
            "record_html": f"{base}/records/{recid}",
            "latest": f"{api}/records/{recid}/versions/latest",
            "latest_html": f"{base}/records/{deposition.latest_recid or recid}",
        }
    if deposition.doi:
        result["doi"] = doi_url(deposition.doi)
    if deposition.conceptdoi:
        result["parent_doi"] = doi_url(deposition.conceptdoi)
    return result


def legacy_file_json(stored: StoredFile, deposition: Deposition, links: Links) -> dict[str, Any]:
    """A file as the legacy deposit files API lists it (``id``, ``filename``, ``filesize``, bare md5)."""
    own = f"{links.api}/deposit/depositions/{deposition.recid}/files/{stored.id}"
    if deposition.is_published:
        download = f"{links.api}/records/{deposition.recid}/files/{quote(stored.key)}/content"
    else:
        download = f"{links.api}/files/{stored.bucket_id}/{quote(stored.key)}"
    return {
        "id": stored.id,
        "filename": stored.key,
        "filesize": stored.size,
        "checksum": stored.md5,
        "links": {"self": own, "download": download},
    }


def object_json(stored: StoredFile, links: Links) -> dict[str, Any]:
    """A file as the bucket API answers an upload (Invenio-Files-REST's object version)."""
    own = f"{links.api}/files/{stored.bucket_id}/{quote(stored.key)}"
    return {
        "key": stored.key,
        "mimetype": stored.mimetype,
        "checksum": stored.checksum,
        "version_id": stored.id,
        "size": stored.size,
        "created": timestamp(stored.created_at),
        "updated": timestamp(stored.updated_at),
        "is_head": True,
        "delete_marker": False,
        "links": {"self": own, "version": f"{own}?versionId={stored.id}", "uploads": f"{own}?uploads"},
    }


def bucket_json(bucket: Bucket, contents: list[StoredFile], links: Links) -> dict[str, Any]:
    own = f"{links.api}/files/{bucket.id}"
    return {
        "id": bucket.id,
        "size": bucket.size,
        "quota_size": bucket.quota_size,
        "max_file_size": bucket.max_file_size,
        "locked": bucket.locked,
        "created": timestamp(bucket.created_at),
        "updated": timestamp(bucket.updated_at),
        "contents": [object_json(stored, links) for stored in contents],
        "links": {"self": own, "versions": f"{own}?versions", "uploads": f"{own}?uploads"},
    }


def record_json(record: Record, links: Links, *, show_files: bool) -> dict[str, Any]:
    """A published record; ``show_files`` is false for closed or embargoed files the caller may not read."""
    api, base, recid = links.api, links.base, record.recid
    own = f"{api}/records/{recid}"
    body: dict[str, Any] = {
        "id": recid,
        "recid": str(recid),
        "conceptrecid": str(record.concept_recid),
        "doi": record.doi,
        "doi_url": doi_url(record.doi),
        "created": timestamp(record.published_at),
        "modified": timestamp(record.updated_at),
        "updated": timestamp(record.updated_at),
        "owners": [record.owner],
        "revision": record.revision,
        "state": "done",
        "submitted": True,
        "title": record.title,
        "metadata": record_metadata(record),
        "files": [record_file_json(stored, recid, links) for stored in record.files] if show_files else [],
        "links": {
            "self": own,
            "self_html": f"{base}/records/{recid}",
            "html": f"{base}/records/{recid}",
            "doi": doi_url(record.doi),
            "self_doi": doi_url(record.doi),
            "parent": f"{api}/records/{record.concept_recid}",
            "parent_html": f"{base}/records/{record.concept_recid}",
            "latest": f"{own}/versions/latest",
            "latest_html": f"{base}/records/{record.latest_recid}",
            "versions": f"{own}/versions",
            "files": f"{own}/files",
        },
    }
    if record.conceptdoi:
        body["conceptdoi"] = record.conceptdoi
        body["links"]["parent_doi"] = doi_url(record.conceptdoi)
    return body


def record_metadata(record: Record) -> dict[str, Any]:
    """The deposit metadata as a record shows it: DOI, resource type, license object, versions, communities."""
    metadata = dict(record.metadata)
    upload_type = str(metadata.get("upload_type", "other"))
    resource_type = {"type": upload_type, "title": _TYPE_TITLES.get(upload_type, upload_type.capitalize())}
    subtype = metadata.get("publication_type") or metadata.get("image_type")
    if subtype:
        resource_type["subtype"] = str(subtype)
    metadata |= {
        "doi": record.doi,
        "resource_type": resource_type,
        "access_right_category": _ACCESS_CATEGORY.get(record.access_right, "danger"),
        "relations": {
            "version": [
                {
                    "index": record.version_index - 1,
                    "is_last": record.is_latest,
                    "parent": {"pid_type": "recid", "pid_value": str(record.concept_recid)},
                    "last_child": {"pid_type": "recid", "pid_value": str(record.latest_recid)},
                }
            ]
        },
    }
    if "license" in metadata:
        metadata["license"] = {"id": metadata["license"]}
    metadata.pop("communities", None)
    if record.communities:
        metadata["communities"] = [{"id": slug} for slug in record.communities]
    return metadata


def record_file_json(stored: StoredFile, recid: int, links: Links) -> dict[str, Any]:
    return {
        "id": stored.id,
        "key": stored.key,
        "size": stored.size,
        "checksum": stored.checksum,
        "mimetype": stored.mimetype,
        "links": {"self": f"{links.api}/records/{recid}/files/{quote(stored.key)}/content"},
    }


def community_json(community: Community, links: Links) -> dict[str, Any]:
    own = f"{links.api}/communities/{community.id}"
    return {
        "id": community.id,
        "slug": community.slug,
        "created": timestamp(community.created_at),
        "updated": timestamp(community.updated_at),
        "metadata": {"title": community.title, "description": community.description},
        "access": {"visibility": "public", "member_policy": "open", "record_policy": "open"},
        "links": {
            "self": own,
            "self_html": f"{links.base}/communities/{community.slug}",
            "records": f"{own}/records",
            "requests": f"{own}/requests",
        },
    }


def request_json(request: InclusionRequest, links: Links) -> dict[str, Any]:
    own = f"{links.api}/requests/{request.id}"
    body: dict[str, Any] = {
        "id": request.id,
        "type": "community-submission",
        "title": request.title,
        "status": request.status,
        "is_open": request.is_open,
        "is_closed": not request.is_open,
        "created": timestamp(request.created_at),
        "updated": timestamp(request.updated_at),
        "receiver": {"community": request.community_id},
        "created_by": {"user": request.created_by},
        "topic": {"record": str(request.recid)},
        "links": {
            "self": own,
            "self_html": f"{links.base}/requests/{request.id}",
            "timeline": f"{own}/timeline",
            "comments": f"{own}/comments",
        },
    }
    if request.is_open:
        body["links"]["actions"] = {"accept": f"{own}/actions/accept", "decline": f"{own}/actions/decline"}
    return body


def license_json(license: License, links: Links) -> dict[str, Any]:
    """A license as Zenodo's vocabulary serves it (eossr reads ``id`` and ``title.en``)."""
    return {
        "id": license.id,
        "title": {"en": license.title},
        "description": {"en": ""},
        "icon": "",
        "props": {"url": license.url, "scheme": "spdx", "osi_approved": "y" if license.osi_approved else ""},
        "tags": ["all", "data" if license.data else "software"],
        "type": "licenses",
        "links": {"self": f"{links.api}/vocabularies/licenses/{license.id}"},
    }


def hits(items: list[dict[str, Any]], total: int, self_url: str, page: int, size: int) -> dict[str, Any]:
    """A search answer: ``hits.hits``, ``hits.total`` and page links, as Zenodo pages every list."""
    page_links = {"self": _with_page(self_url, page, size)}
    if page > 1:
        page_links["prev"] = _with_page(self_url, page - 1, size)
    if page * size < total:
        page_links["next"] = _with_page(self_url, page + 1, size)
    return {"hits": {"hits": items, "total": total}, "links": page_links}


def with_query(url: str, **params: str) -> str:
    """``url`` with the non-empty ``params`` as its query string."""
    given = {name: value for name, value in params.items() if value}
    return f"{url}?{urlencode(given)}" if given else url


def _with_page(url: str, page: int, size: int) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}page={page}&size={size}"
