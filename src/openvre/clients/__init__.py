"""Thin clients for the protocols openvre's front ends speak, embedded or remote alike."""

from openvre.clients.rucio import RucioClient

__all__ = ["RucioClient"]
