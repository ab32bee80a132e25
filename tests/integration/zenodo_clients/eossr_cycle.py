"""eossr 2.3.1's publishing cycle; run by test_zenodo_clients.py in .venvs/zenodo-clients.

argv[1] is JSON: token, curator_token, api (``<server>/zenodo/api/``), dir, query, community, codemeta.
eossr has no base-URL option: its module constants and the instance attribute are patched, as its
docs-less code requires. Prints one JSON object with what the client saw.
"""

import importlib.resources
import json
import sys
import warnings

import eossr.metadata.codemeta as codemeta

warnings.simplefilter("ignore")
# eossr 2.3.1 calls importlib.resources.files() on a module, which only Python 3.12+ accepts.
codemeta.files = lambda name: importlib.resources.files("eossr.metadata")

import eossr.api.zenodo.zenodo as eossr_zenodo  # noqa: E402 - after the workaround above
from eossr.metadata.codemeta2zenodo import codemeta2zenodo  # noqa: E402

spec = json.loads(sys.argv[1])
eossr_zenodo.zenodo_api_base_url = eossr_zenodo.zenodo_sandbox_api_base_url = spec["api"]
author = eossr_zenodo.ZenodoAPI(access_token=spec["token"])
author.api_base_url = spec["api"]
seen: dict = {}

# The license mapping asks the server's license vocabulary (GET /api//licenses?size=1000).
metadata = codemeta2zenodo(spec["codemeta"])
seen["converted"] = {"license": metadata["license"], "creators": metadata["creators"]}
metadata["communities"] = [{"identifier": spec["community"]}]

first = author.upload_dir_content(spec["dir"], metadata=metadata, publish=True)
record = eossr_zenodo.get_record(first)
seen["first"] = {"id": record.id, "doi": record.doi, "title": record.title, "files": sorted(record.filelist)}
seen["search"] = [found.id for found in eossr_zenodo.search_records(spec["query"], size=25)]

second = author.upload_dir_content(spec["dir"], record_id=first, metadata={**metadata, "version": "v2.0"})
seen["second"] = int(second)
seen["versions"] = {str(recid): version for recid, version in record.get_associated_versions().items()}
seen["last_version"] = eossr_zenodo.get_record(first).get_last_version().id

curator = eossr_zenodo.ZenodoAPI(access_token=spec["curator_token"])
pending = curator.get_community_pending_requests(spec["community"])
seen["pending"] = [request.record_id for request in pending]
for request in pending:
    request.accept()
in_community = curator.query_community_records(spec["community"]).json()["hits"]["hits"]
seen["in_community"] = sorted(hit["id"] for hit in in_community)
seen["community"] = eossr_zenodo.get_community(spec["community"])["slug"]
seen["license"] = eossr_zenodo.get_license("mit")["title"]["en"]
seen["licenses"] = len(eossr_zenodo.get_supported_licenses())
print(json.dumps(seen))
