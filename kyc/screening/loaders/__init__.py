"""List loaders: each official format into `ListedEntity` records.

`load_list(path, format)` is the one entry point; FORMATS names what it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kyc.errors import InvalidRequest, ListUnavailable
from kyc.screening.entities import ListedEntity
from kyc.screening.loaders.csl import load_us_csl
from kyc.screening.loaders.ofac import load_ofac_sdn
from kyc.screening.loaders.opensanctions import load_ftm, load_senzing
from kyc.screening.loaders.un import load_un_xml

FORMATS: dict[str, Callable[[Path], list[ListedEntity]]] = {
    "ofac_sdn": load_ofac_sdn,  # folder with sdn.csv (+ alt.csv, add.csv, sdn_comments.csv)
    "un_xml": load_un_xml,  # UN Security Council consolidated list XML
    "us_csl": load_us_csl,  # trade.gov Consolidated Screening List CSV
    "opensanctions_senzing": load_senzing,  # OpenSanctions Senzing JSON lines
    "opensanctions_ftm": load_ftm,  # OpenSanctions FollowTheMoney JSON lines
}


def load_list(path: Path, format: str) -> list[ListedEntity]:
    """Every entity of the list at `path`, read as `format` (one of FORMATS)."""
    loader = FORMATS.get(format)
    if loader is None:
        raise InvalidRequest(
            f"unknown list format {format!r}; expected one of {', '.join(FORMATS)}", param="format"
        )
    if not path.exists():
        raise ListUnavailable(f"list file {path} does not exist")
    return loader(Path(path))
