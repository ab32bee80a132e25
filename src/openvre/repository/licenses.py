"""The licenses a deposit may name: a built-in subset of SPDX, with Zenodo's lowercase ids.

Zenodo validates ``metadata.license`` against its license vocabulary and answers ``/api/licenses``
and ``/api/vocabularies/licenses/<id>`` from it; clients (eossr's codemeta converter) read that list to
map a project's license. The subset covers the licenses research software and data use in practice;
ids are matched without regard to case, and Zenodo's legacy short ids (``cc-by``) still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from openvre.repository.errors import LicenseNotFound


@dataclass(frozen=True)
class License:
    id: str  # Zenodo's id: the SPDX identifier, lowercased
    title: str
    url: str
    osi_approved: bool = False
    data: bool = False  # written for data and creative works rather than software

    @property
    def spdx_id(self) -> str:
        """The SPDX identifier in SPDX's own case (``CC-BY-4.0``), as DataCite and schema.org write it."""
        return _SPDX_BY_ID[self.id]


_SPDX_IDS = (
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-4-Clause",
    "BSL-1.0",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-PDDC",
    "CC0-1.0",
    "CECILL-2.1",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GFDL-1.3-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MPL-2.0",
    "NCSA",
    "ODbL-1.0",
    "ODC-By-1.0",
    "OFL-1.1",
    "PDDL-1.0",
    "Python-2.0",
    "Unlicense",
    "UPL-1.0",
    "Zlib",
)

_SPDX_BY_ID = {spdx.lower(): spdx for spdx in _SPDX_IDS}

_TITLES = {
    "0BSD": "BSD Zero Clause License",
    "AFL-3.0": "Academic Free License v3.0",
    "AGPL-3.0-only": "GNU Affero General Public License v3.0 only",
    "AGPL-3.0-or-later": "GNU Affero General Public License v3.0 or later",
    "Apache-2.0": "Apache License 2.0",
    "Artistic-2.0": "Artistic License 2.0",
    "BSD-2-Clause": 'BSD 2-Clause "Simplified" License',
    "BSD-3-Clause": 'BSD 3-Clause "New" or "Revised" License',
    "BSD-4-Clause": 'BSD 4-Clause "Original" or "Old" License',
    "BSL-1.0": "Boost Software License 1.0",
    "CC-BY-1.0": "Creative Commons Attribution 1.0 Generic",
    "CC-BY-2.0": "Creative Commons Attribution 2.0 Generic",
    "CC-BY-2.5": "Creative Commons Attribution 2.5 Generic",
    "CC-BY-3.0": "Creative Commons Attribution 3.0 Unported",
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
    "CC-BY-NC-4.0": "Creative Commons Attribution Non Commercial 4.0 International",
    "CC-BY-NC-ND-4.0": "Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
    "CC-BY-NC-SA-4.0": "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
    "CC-BY-ND-4.0": "Creative Commons Attribution No Derivatives 4.0 International",
    "CC-BY-SA-3.0": "Creative Commons Attribution Share Alike 3.0 Unported",
    "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0 International",
    "CC-PDDC": "Creative Commons Public Domain Dedication and Certification",
    "CC0-1.0": "Creative Commons Zero v1.0 Universal",
    "CECILL-2.1": "CeCILL Free Software License Agreement v2.1",
    "ECL-2.0": "Educational Community License v2.0",
    "EPL-1.0": "Eclipse Public License 1.0",
    "EPL-2.0": "Eclipse Public License 2.0",
    "EUPL-1.1": "European Union Public License 1.1",
    "EUPL-1.2": "European Union Public License 1.2",
    "GFDL-1.3-or-later": "GNU Free Documentation License v1.3 or later",
    "GPL-2.0-only": "GNU General Public License v2.0 only",
    "GPL-2.0-or-later": "GNU General Public License v2.0 or later",
    "GPL-3.0-only": "GNU General Public License v3.0 only",
    "GPL-3.0-or-later": "GNU General Public License v3.0 or later",
    "ISC": "ISC License",
    "LGPL-2.1-only": "GNU Lesser General Public License v2.1 only",
    "LGPL-2.1-or-later": "GNU Lesser General Public License v2.1 or later",
    "LGPL-3.0-only": "GNU Lesser General Public License v3.0 only",
    "LGPL-3.0-or-later": "GNU Lesser General Public License v3.0 or later",
    "MIT": "MIT License",
    "MPL-2.0": "Mozilla Public License 2.0",
    "NCSA": "University of Illinois/NCSA Open Source License",
    "ODbL-1.0": "Open Data Commons Open Database License v1.0",
    "ODC-By-1.0": "Open Data Commons Attribution License v1.0",
    "OFL-1.1": "SIL Open Font License 1.1",
    "PDDL-1.0": "Open Data Commons Public Domain Dedication & License 1.0",
    "Python-2.0": "Python License 2.0",
    "Unlicense": "The Unlicense",
    "UPL-1.0": "Universal Permissive License v1.0",
    "Zlib": "zlib License",
}

_NOT_OSI = {"BSD-4-Clause", "CC-PDDC", "GFDL-1.3-or-later", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0"}
_NOT_OSI |= {spdx for spdx in _SPDX_IDS if spdx.startswith("CC")}
_DATA = {spdx for spdx in _SPDX_IDS if spdx.startswith(("CC", "OD", "PDDL", "GFDL"))}

# Zenodo's legacy ids (before its vocabulary followed SPDX), as old metadata and clients still send them.
ALIASES = {
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc-by-nc": "cc-by-nc-4.0",
    "cc-by-nd": "cc-by-nd-4.0",
    "cc-zero": "cc0-1.0",
    "cc0": "cc0-1.0",
    "apache2.0": "apache-2.0",
    "apache-license-2.0": "apache-2.0",
    "mit-license": "mit",
    "bsd-license": "bsd-3-clause",
    "gpl-3.0": "gpl-3.0-only",
    "gpl-2.0": "gpl-2.0-only",
    "lgpl-3.0": "lgpl-3.0-only",
    "lgpl-2.1": "lgpl-2.1-only",
    "agpl-3.0": "agpl-3.0-only",
    "odc-by": "odc-by-1.0",
    "odc-odbl": "odbl-1.0",
    "odc-pddl": "pddl-1.0",
}

DEFAULT_LICENSE = "cc-by-4.0"


def _url(spdx: str) -> str:
    return f"https://spdx.org/licenses/{spdx}.html"


LICENSES: dict[str, License] = {
    spdx.lower(): License(
        id=spdx.lower(),
        title=_TITLES[spdx],
        url=_url(spdx),
        osi_approved=spdx not in _NOT_OSI,
        data=spdx in _DATA,
    )
    for spdx in _SPDX_IDS
}


def find_license(identifier: str) -> License | None:
    """The license for an id in any case, or a legacy Zenodo alias; ``None`` if unknown."""
    wanted = identifier.strip().lower()
    return LICENSES.get(ALIASES.get(wanted, wanted))


def get_license(identifier: str) -> License:
    found = find_license(identifier)
    if found is None:
        raise LicenseNotFound(
            f"no license {identifier!r}: use an SPDX id such as cc-by-4.0, mit or apache-2.0 "
            "(GET /api/licenses lists them all)"
        )
    return found


def search_licenses(query: str = "") -> list[License]:
    """Licenses whose id or title contains every word of ``query``, in id order."""
    words = query.lower().split()
    return [
        license
        for license in LICENSES.values()
        if all(word in license.id or word in license.title.lower() for word in words)
    ]
