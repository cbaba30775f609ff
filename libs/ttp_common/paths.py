"""Where the repository's shared files live (the library is installed editable from the repo)."""
import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("TTP_REPO_ROOT", Path(__file__).resolve().parents[2]))
SCHEMAS_DIR = Path(os.environ.get("TTP_SCHEMAS_DIR", REPO_ROOT / "schemas"))
RUN_DIR = Path(os.environ.get("TTP_RUN_DIR", REPO_ROOT / ".run"))
