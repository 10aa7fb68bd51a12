"""Where the project's data files live. The ontology directory can be moved with ``KG_ONTOLOGY``."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = Path(os.environ.get("KG_ONTOLOGY", REPO_ROOT / "ontology"))
DEFAULT_STORE = "./kg-store"
