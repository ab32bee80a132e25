"""The repository: a Zenodo-compatible store of depositions, immutable records, DOIs and communities."""
