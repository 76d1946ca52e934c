"""Where citygrid keeps its files on this machine (the per-user data directory).

Pure: the backend's defaults (database, photos) and the demo (its database and tokens
file) read it; the console keeps its own configuration directory (``console.config``).
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir

APP = "citygrid"


def data_dir() -> Path:
    """The per-user data directory (the default database, photos, the demo's files)."""
    return Path(user_data_dir(APP, appauthor=False))
