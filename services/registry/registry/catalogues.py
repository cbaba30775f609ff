"""The dual-use catalogues (军民两用目录) and what may enter them, without I/O."""
from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.refusals import NotFound, TransitionRefused

CATALOGUES = {
    "military_to_civil": "军用技术转民用推广目录",
    "civil_to_military": "民参军技术与产品推荐目录",
}


class CatalogueEntryIn(StrictModel):
    achievement_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


def check_catalogue(catalogue):
    """One of the two catalogues; any other name does not exist."""
    if catalogue not in CATALOGUES:
        raise NotFound(f"no catalogue {catalogue!r}; one of: {', '.join(CATALOGUES)}")


def check_catalogue_candidate(status, dual_use):
    """Catalogues list published dual-use achievements only."""
    if status != "published":
        raise TransitionRefused(f"only published achievements enter a catalogue (this one is {status})")
    if not dual_use:
        raise TransitionRefused("only dual-use (军民两用) achievements enter a catalogue")
