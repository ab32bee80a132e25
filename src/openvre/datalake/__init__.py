"""The data lake: a Rucio-compatible catalog, storage elements, replicas, rules and transfers."""
