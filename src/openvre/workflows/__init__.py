"""Reproducible workflows: reana.yaml specifications, runs, the scheduler and the REANA-compatible API."""
