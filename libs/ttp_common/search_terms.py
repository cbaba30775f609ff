"""Search terms for Chinese and Latin text without regex (SecantusDB cannot regex an indexed
field; MongoDB text indexes do not segment Chinese): a run of CJK characters gives its character
bigrams (one character gives itself), a run of letters/digits gives the word. Text is
normalised (NFKC, lower case) first. Shared by every service's keyword search."""
import re
import unicodedata

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
CJK_CHARACTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def terms(*texts):
    """The sorted, distinct search terms of ``texts``."""
    found = set()
    for text in texts:
        for run in _RUNS.findall(unicodedata.normalize("NFKC", text or "").lower()):
            if CJK_CHARACTER.match(run):
                found.update([run] if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
            else:
                found.add(run)
    return sorted(found)
