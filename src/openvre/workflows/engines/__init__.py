"""Workflow engines: serial (built in), CWL, Snakemake and Yadage (pip extras), behind one interface.

>>> from openvre.workflows.engines import get_engine
>>> get_engine("serial").name
'serial'
"""

from openvre.workflows.engines.base import (
    WORKFLOW_TYPES,
    Engine,
    EngineJob,
    EngineOutcome,
    EngineSettings,
    StepEvent,
    get_engine,
)

__all__ = [
    "WORKFLOW_TYPES",
    "Engine",
    "EngineJob",
    "EngineOutcome",
    "EngineSettings",
    "StepEvent",
    "get_engine",
]
