"""What the deploy checks share: where things are, and which variables each service reads."""
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "transactions", "finance", "talent", "metrics", "innovation", "delivery", "portal")
ISSUER = "identity"  # the token issuer: deployed like them, the only holder of signing keys
DEPLOYED = SERVICES + (ISSUER,)
PORTS = {"registry": 8101, "transactions": 8102, "finance": 8103, "talent": 8104, "metrics": 8105, "identity": 8106,
         "innovation": 8107, "delivery": 8108, "portal": 8100}
CLASSES = {"registry": "RegistryService", "transactions": "TransactionsService", "finance": "FinanceService",
           "talent": "TalentService", "metrics": "MetricsService", "identity": "IdentityService",
           "innovation": "InnovationService", "delivery": "DeliveryService", "portal": "PortalService"}
# A shared signing secret must never come back into the deploy files (the services verify the issuer's tokens).
SHARED_SECRET = re.compile(r"JWT_SECRET|ttp-jwt\b", re.IGNORECASE)
DOCKERFILE = REPO / "deploy" / "Dockerfile"  # every service's image, chosen by its build arguments
# The instructions in which Docker replaces $VARIABLES at build time (RUN leaves them to the shell, CMD to run time).
EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


def build_args(service):
    """The build arguments of ``service``'s image (what deploy/compose/compose.yaml passes)."""
    return {"SERVICE": service, "PORT": str(PORTS[service]), "SERVICE_CLASS": CLASSES[service]}


def image_steps(service):
    """(parser, [(instruction, value)]) of the Dockerfile as built for ``service``: ``$ARG``/``${ARG}`` in
    the values replaced by its build arguments, as Docker does (``parser.envs`` already has them)."""
    from dockerfile_parse import DockerfileParser

    args = build_args(service)
    parser = DockerfileParser(path=str(DOCKERFILE), build_args=args)

    def expand(instruction, value):
        if instruction not in EXPANDED:
            return value
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), value)

    return parser, [(i["instruction"], expand(i["instruction"], i["value"])) for i in parser.structure]


def deploy_files():
    """Every file under deploy/ (tracked, or new and not ignored; all of them outside a git checkout)."""
    import subprocess

    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "deploy"],
                                cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
        paths = [REPO / path for path in listed]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in (REPO / "deploy").rglob("*") if "__pycache__" not in p.parts]
    return sorted(p for p in paths if p.is_file())


def tool(name):
    """A console script of this virtualenv (pinned in requirements-dev.txt), else one on PATH."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else shutil.which(name)


def variables_read(service):
    """The environment variables a service reads: ``${VAR:default}`` in services/<service>/config.yaml,
    the shared settings (``ttp_common.settings.DEFAULTS``: read from the environment when the config
    does not set them), the Kafka client's security settings (``ttp_common.kafka.SECURITY_VARIABLES``) and
    ``os.environ.get("VAR"…)`` in the service's own code."""
    from ttp_common.kafka import SECURITY_VARIABLES
    from ttp_common.settings import DEFAULTS

    lines = (REPO / "services" / service / "config.yaml").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    code = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "services" / service).rglob("*.py")
                     if "tests" not in path.parts)
    return (set(re.findall(r"\$\{([A-Z0-9_]+)(?::[^}]*)?\}", text)) | set(DEFAULTS) | set(SECURITY_VARIABLES)
            | set(re.findall(r"os\.environ\.get\(\s*\"([A-Z0-9_]+)\"", code)))
