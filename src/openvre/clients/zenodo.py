"""A small Zenodo REST client for openvre's own front ends (``vre publish``, ``vre reproduce``).

It speaks the legacy deposit API that Zenodo still serves, so the same code publishes to openvre's
embedded repository (``http://127.0.0.1:8000/zenodo``), to https://zenodo.org and to its sandbox
(https://sandbox.zenodo.org). Zenodo's ``{"status", "message", "errors": [{"field", "message"}]}``
errors come back as openvre's exception classes (``InvalidMetadata`` listing every field,
``DepositionNotFound``, ``InvalidToken``...), so callers catch one tree whichever server answered.

    client = ZenodoClient("https://sandbox.zenodo.org", token="...")
    draft = client.create_deposition({"title": "Spectra", "upload_type": "dataset", ...})
    client.upload_file(draft, Path("spectra.csv"))            # streamed; the server's md5 is checked
    record = client.publish_deposition(draft["id"])            # record["doi"]

Bytes are checked both ways: an upload is refused when the md5 the server computed differs from the
one computed while sending, and a download is kept only when its md5 matches the record's.
``transport`` and ``http`` are the seams tests use to run the client against the app in-process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from openvre import errors
from openvre.clients.endpoints import service_token, service_url
from openvre.repository.errors import (
    BucketNotFound,
    CorruptedFile,
    DepositionNotFound,
    FileTooLarge,
    InvalidMetadata,
    Problem,
    RecordNotFound,
    WrongState,
)
from openvre.settings import Settings

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
CHUNK = 1024 * 1024
Advance = Callable[[int], None]

_CREDENTIALS_ADVICE = (
    "use a token with the deposit:write and deposit:actions scopes (zenodo.org: Applications → Personal access "
    "tokens; openvre: `vre token create`) in OPENVRE_REPOSITORY__TOKEN or OPENVRE_TOKEN"
)


class ZenodoClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        # Accept the site ("https://zenodo.org") or its API ("https://zenodo.org/api") alike.
        self.base_url = base_url.rstrip("/").removesuffix("/api")
        self.api_url = f"{self.base_url}/api"
        self._token = token
        # ``http``: an already configured client, e.g. Starlette's TestClient running the app in-process.
        # Requests use absolute URLs, so one such client can serve several APIs mounted on one app.
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> ZenodoClient:
        """The configured repository: this server's ``/zenodo``, or ``[repository] url`` with its token."""
        return cls(service_url(settings, "repository"), token=service_token(settings, "repository"))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZenodoClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """``url`` absolute (a link the server gave) or a path under the API; the token as Bearer."""
        target = url if url.startswith(("http://", "https://")) else self.api_url + url
        headers = dict(kwargs.pop("headers", None) or {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = self._http.request(method, target, headers=headers, **kwargs)
        raise_for_zenodo_error(response)
        return response

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = self._request(method, url, **kwargs).json()
        return body

    # -- depositions -------------------------------------------------------------------------------
    def create_deposition(self, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new draft; with ``metadata`` the server validates it at once, before any bytes are sent."""
        return self._json("POST", "/deposit/depositions", json={"metadata": metadata} if metadata else {})

    def get_deposition(self, deposition_id: int) -> dict[str, Any]:
        return self._json("GET", f"/deposit/depositions/{deposition_id}")

    def update_metadata(self, deposition_id: int, metadata: dict[str, Any]) -> dict[str, Any]:
        return self._json("PUT", f"/deposit/depositions/{deposition_id}", json={"metadata": metadata})

    def delete_deposition(self, deposition_id: int) -> None:
        self._request("DELETE", f"/deposit/depositions/{deposition_id}")

    def publish_deposition(self, deposition_id: int) -> dict[str, Any]:
        """Publish the draft: the answer is the deposition with its ``doi`` and ``links.record_html``."""
        return self._json("POST", f"/deposit/depositions/{deposition_id}/actions/publish")

    def new_version(self, deposition_id: int) -> dict[str, Any]:
        """The new version's draft (Zenodo answers the original, with the draft at ``links.latest_draft``)."""
        answer = self._json("POST", f"/deposit/depositions/{deposition_id}/actions/newversion")
        return self._json("GET", answer["links"]["latest_draft"])

    # -- files -------------------------------------------------------------------------------------
    def upload_file(
        self, deposition: dict[str, Any], path: Path, *, key: str | None = None, progress: Advance | None = None
    ) -> dict[str, Any]:
        """Stream ``path`` into the deposition's bucket as ``key`` (its name by default); md5 checked."""
        name = key or path.name
        digest = hashlib.md5()  # noqa: S324 - Zenodo's file checksum, not a security measure
        url = f"{deposition['links']['bucket']}/{quote(name)}"
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(path.stat().st_size)}
        stored = self._json("PUT", url, content=_chunks(path, digest, progress), headers=headers)
        sent, answered = digest.hexdigest(), str(stored.get("checksum", "")).removeprefix("md5:")
        if answered != sent:
            raise CorruptedFile(
                f"the repository stored {name} with md5 {answered or 'unknown'}, but the bytes sent have md5 {sent}: "
                "the upload was damaged on the way; publish again"
            )
        return stored

    # -- records -----------------------------------------------------------------------------------
    def get_record(self, record_id: int | str) -> dict[str, Any]:
        return self._json("GET", f"/records/{record_id}")

    def search_records(
        self, q: str = "", *, size: int = 10, page: int = 1, all_versions: bool = False, **filters: str
    ) -> dict[str, Any]:
        """Zenodo's answer, ``{"hits": {"hits": [...], "total": n}, ...}``; filters such as ``type=dataset``."""
        params = {"q": q, "size": size, "page": page, **filters}
        if all_versions:
            params["all_versions"] = "true"
        return self._json("GET", "/records", params=params)

    def search_communities(self, q: str = "", *, size: int = 100, page: int = 1) -> dict[str, Any]:
        """Communities (InvenioRDM's ``/api/communities``), ``{"hits": {"hits": [...], "total": n}}``."""
        return self._json("GET", "/communities", params={"q": q, "size": size, "page": page})

    def download_file(self, file: dict[str, Any], directory: Path, *, progress: Advance | None = None) -> Path:
        """Save one record file (an entry of ``record["files"]``) as ``directory/<key>``, md5 verified.

        The bytes go to a ``.part`` file renamed only when their md5 matches the record's, so a damaged
        or interrupted download never leaves a file that looks complete.
        """
        key = Path(str(file["key"])).name
        expected = str(file.get("checksum", "")).removeprefix("md5:")
        target = directory / key
        partial = directory / f".{key}.part"
        directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.md5()  # noqa: S324 - Zenodo's file checksum, not a security measure
        try:
            with self._http.stream("GET", file["links"]["self"], headers=self._auth()) as response:
                if response.is_error:
                    response.read()
                    raise_for_zenodo_error(response)
                with partial.open("wb") as sink:
                    for chunk in response.iter_bytes(CHUNK):
                        digest.update(chunk)
                        sink.write(chunk)
                        if progress:
                            progress(len(chunk))
            if expected and digest.hexdigest() != expected:
                raise CorruptedFile(
                    f"{key} arrived with md5 {digest.hexdigest()}, but the record says {expected}: download it again"
                )
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}


def _chunks(path: Path, digest: Any, progress: Advance | None) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
            yield chunk


def raise_for_zenodo_error(response: httpx.Response) -> None:
    """Turn Zenodo's error answer into the openvre exception of that family, with every field error."""
    if response.is_success:
        return
    status, url = response.status_code, response.request.url.copy_with(query=None)
    message, problems = _error_fields(response)
    where = f"(HTTP {status} from {url})"
    if status == 400 and problems:
        raise _invalid(problems, where)
    if status in (401, 403) and ("token" in message.lower() or status == 401):
        raise errors.InvalidToken(f"the repository refused the token: {message} {where}; {_CREDENTIALS_ADVICE}")
    error_class = _error_class(status, url.path)
    raise error_class(f"{message} {where}")


def _error_class(status: int, path: str) -> type[errors.OpenVREError]:
    if status == 404:
        if "/deposit/" in path:
            return DepositionNotFound
        if "/files/" in path and "/records/" not in path:
            return BucketNotFound
        return RecordNotFound if "/records" in path else errors.NotFound
    by_status: dict[int, type[errors.OpenVREError]] = {
        400: errors.InvalidInput,
        403: errors.PermissionDenied,
        409: WrongState,
        413: FileTooLarge,
    }
    return by_status.get(status, errors.OpenVREError)


def _invalid(problems: list[Problem], where: str) -> errors.InvalidInput:
    """One error naming every field, so a user fixes all of them in one go.

    Metadata problems become :class:`InvalidMetadata` (with ``problems``), as the embedded repository
    raises them; others (a file name, a query) the plain :class:`~openvre.errors.InvalidInput`.
    """
    listing = "\n".join(f"  {problem.field}: {problem.message}" for problem in problems)
    if not any(problem.field.startswith("metadata") for problem in problems):
        return errors.InvalidInput(f"the repository refused the request {where}:\n{listing}", field=problems[0].field)
    error = InvalidMetadata(problems)
    error.message = f"the repository refused the metadata {where}; fix these fields:\n{listing}"
    error.args = (error.message,)
    return error


def _error_fields(response: httpx.Response) -> tuple[str, list[Problem]]:
    try:
        body = response.json()
    except ValueError:
        return (response.text[:300] or response.reason_phrase), []
    if not isinstance(body, dict):
        return str(body)[:300], []
    problems = []
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            text = item.get("message") or "; ".join(str(m) for m in item.get("messages") or [])
            problems.append(Problem(str(item.get("field") or "request"), str(text)))
    return str(body.get("message") or response.reason_phrase), problems
