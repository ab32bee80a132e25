"""openvre: a Virtual Research Environment in one ``pip install``.

Discover data in a Rucio-compatible data lake, analyse it in JupyterLab, rerun the analysis as a
REANA-compatible workflow and preserve it in a Zenodo-compatible repository, all behind one login.
"""

from openvre.errors import OpenVREError
from openvre.settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = ["OpenVREError", "Settings", "__version__", "load_settings"]
