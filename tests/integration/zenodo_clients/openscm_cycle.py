"""openscm-zenodo 0.5.0's publishing cycle; run by test_zenodo_clients.py in .venvs/zenodo-clients.

argv[1] is JSON: token, domain (``<server>/zenodo``), files (two paths), metadata, other_token. Prints
one JSON object with what the client saw; any client error fails the script (non-zero exit).
"""

import json
import sys
from pathlib import Path

import requests
from openscm_zenodo.zenodo import RestAction, ZenodoInteractor, create_new_version, get_reserved_doi

spec = json.loads(sys.argv[1])
zenodo = ZenodoInteractor(token=spec["token"], zenodo_domain=spec["domain"])
first_file, second_file = (Path(name) for name in spec["files"])
seen: dict = {}

created = zenodo.get_response("/api/deposit/depositions", rest_action=RestAction.post, json={})
deposition = str(created.json()["id"])
seen["created"] = created.status_code
seen["reserved_doi"] = get_reserved_doi(created)
seen["bucket"] = zenodo.get_bucket_url(deposition)
uploads = zenodo.upload_files(deposition, [first_file, second_file], n_threads=2)
seen["uploads"] = sorted([r.status_code, r.json()["key"], r.json()["checksum"]] for r in uploads)

try:
    zenodo.update_metadata(deposition, {"metadata": {**spec["metadata"], "upload_type": "film", "creators": []}})
except requests.HTTPError as error:
    seen["bad_metadata"] = error.response.json()

seen["metadata"] = zenodo.update_metadata(deposition, {"metadata": spec["metadata"]}).status_code
seen["publish"] = zenodo.publish(deposition).status_code
seen["publish_again"] = zenodo.publish(deposition).json()["doi"]
seen["bibtex"] = zenodo.get_bibtex_entry(deposition)
record = zenodo.get_record(deposition).json()
seen["record"] = {
    "id": record["id"],
    "doi": record["doi"],
    "title": record["metadata"]["title"],
    "files": sorted(f["key"] for f in record["files"]),
}
seen["concept"] = zenodo.get_concept_id(deposition)
seen["latest"] = zenodo.get_latest_deposition_id(deposition)

metadata = zenodo.get_metadata(deposition, user_controlled_only=True)
metadata["metadata"]["version"] = "2.0"
new = create_new_version(deposition, zenodo, metadata=metadata, files_to_upload=[first_file], n_threads=1)
seen["new_version"] = new
seen["draft_found_again"] = str(zenodo.get_draft_deposition_id(deposition))
zenodo.remove_files(new, [second_file])
seen["new_files"] = sorted(f["filename"] for f in zenodo.get_deposition(new).json()["files"])
seen["new_publish"] = zenodo.publish(new).status_code
seen["latest_after"] = zenodo.get_latest_deposition_id(deposition)
seen["new_record_version"] = zenodo.get_record(new).json()["metadata"]["version"]

intruder = ZenodoInteractor(token=spec["other_token"], zenodo_domain=spec["domain"])
draft = zenodo.get_response("/api/deposit/depositions", rest_action=RestAction.post, json={}).json()["id"]
try:
    intruder.get_deposition(str(draft))
except requests.HTTPError as error:
    seen["other_users_draft"] = error.response.status_code
print(json.dumps(seen))
