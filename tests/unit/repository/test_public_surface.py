"""Pin the repository's public surface: a change here is a change users see."""

import openvre.repository


def test_repository_exports() -> None:
    assert sorted(openvre.repository.__all__) == [
        "Bucket",
        "Community",
        "DepositMetadata",
        "Deposition",
        "InclusionRequest",
        "Record",
        "RecordQuery",
        "RepositoryConfig",
        "SearchResult",
        "StoredFile",
        "validate_metadata",
    ]
    for name in openvre.repository.__all__:
        assert hasattr(openvre.repository, name)
