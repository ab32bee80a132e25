"""Where the repository keeps its files, which DOI prefix it mints under, and its size limits.

The limits are module-level defaults, as Zenodo's are fixed per instance: 50 GB per file and per record,
100 files per record. Change them for every new bucket by setting, before the app is built::

    import openvre.repository.config as repository_config
    repository_config.MAX_FILE_SIZE = 200 * GB

or build a :class:`RepositoryConfig` with other values (tests do). Each bucket records the limits it
was created with, so changing them never invalidates a published record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openvre.settings import Settings

GB = 1024**3
MAX_FILE_SIZE = 50 * GB
MAX_BUCKET_SIZE = 50 * GB
MAX_FILES_PER_BUCKET = 100


@dataclass(frozen=True)
class RepositoryConfig:
    files_root: Path = field(metadata={"help": "Stored files: <files_root>/<bucket>/<file id>."})
    doi_prefix: str = field(default="10.5072", metadata={"help": "DOIs are <prefix>/openvre.<recid>."})
    max_file_size: int = field(default=-1, metadata={"help": "Largest file in bytes (-1: MAX_FILE_SIZE)."})
    max_bucket_size: int = field(default=-1, metadata={"help": "Largest total per record (-1: MAX_BUCKET_SIZE)."})
    max_files: int = field(default=-1, metadata={"help": "Most files per record (-1: MAX_FILES_PER_BUCKET)."})

    def __post_init__(self) -> None:
        # Read the module defaults when the config is built, not when this module is imported, so a
        # deployment (or a test) that changes them before building the app is obeyed.
        if self.max_file_size < 0:
            object.__setattr__(self, "max_file_size", MAX_FILE_SIZE)
        if self.max_bucket_size < 0:
            object.__setattr__(self, "max_bucket_size", MAX_BUCKET_SIZE)
        if self.max_files < 0:
            object.__setattr__(self, "max_files", MAX_FILES_PER_BUCKET)

    @classmethod
    def from_settings(cls, settings: Settings) -> RepositoryConfig:
        return cls(files_root=settings.home / "repository", doi_prefix=settings.doi_prefix)
