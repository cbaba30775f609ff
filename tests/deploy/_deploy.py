"""What the deploy checks share: where things are, and which variables each service reads."""
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "transactions", "finance", "talent", "metrics")
PORTS = {"registry": 8101, "transactions": 8102, "finance": 8103, "talent": 8104, "metrics": 8105}
CLASSES = {"registry": "RegistryService", "transactions": "TransactionsService", "finance": "FinanceService",
           "talent": "TalentService", "metrics": "MetricsService"}


def tool(name):
    """A console script of this virtualenv (pinned in requirements-dev.txt), else one on PATH."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else shutil.which(name)


def variables_read(service):
    """The environment variables services/<service>/config.yaml reads (``${VAR:default}``)."""
    lines = (REPO / "services" / service / "config.yaml").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{([A-Z0-9_]+)(?::[^}]*)?\}", text))
