"""The portal's tests import their helpers from ``_portal`` (this folder on ``sys.path``)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
