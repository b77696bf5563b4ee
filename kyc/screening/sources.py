"""Where the official lists are published, and downloading them for `kyc lists update`.

Defaults below; a deployment overrides them with the setting `screening_list_urls`
(format -> list of URLs; the OFAC SDN format takes its four files).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from kyc.errors import ListUnavailable

# Official publication URLs, as the publishers document them (not fetched from this machine,
# which has no access to them: `kyc lists update` reports any that cannot be reached).
# OFAC's legacy treasury.gov paths redirect to its Sanctions List Service.
DEFAULT_LIST_URLS: dict[str, list[str]] = {
    "ofac_sdn": [
        "https://www.treasury.gov/ofac/downloads/sdn.csv",
        "https://www.treasury.gov/ofac/downloads/add.csv",
        "https://www.treasury.gov/ofac/downloads/alt.csv",
        "https://www.treasury.gov/ofac/downloads/sdn_comments.csv",
    ],
    "un_xml": ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
    "us_csl": [
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
    ],
}
# The loaders' file names for each format (the OFAC loader reads a folder of four files).
_FILE_NAMES = {
    "ofac_sdn": ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"],
    "un_xml": ["consolidated.xml"],
    "us_csl": ["consolidated.csv"],
}


def download(format: str, urls: list[str], into: Path, timeout_s: float = 60.0) -> Path:
    """Fetch a list's files into `into`; the path to give `load_list`.

    Raises ListUnavailable naming every URL that could not be fetched.
    """
    import httpx

    names = _FILE_NAMES.get(format) or [Path(u).name or f"{format}.dat" for u in urls]
    failed: list[str] = []
    with httpx.Client(timeout=timeout_s, follow_redirects=True) as client:
        for url, name in zip(urls, names, strict=False):
            try:
                response = client.get(url)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                failed.append(f"{url} ({type(exc).__name__}: {exc})")
                continue
            (into / name).write_bytes(response.content)
    if failed:
        raise ListUnavailable(f"could not download the {format} list: " + "; ".join(failed))
    return into if format == "ofac_sdn" else into / names[0]


def download_all(urls_by_format: dict[str, list[str]]) -> dict[str, Path]:
    """Download every configured list into a fresh temporary folder per format."""
    out = {}
    for format, urls in urls_by_format.items():
        folder = Path(tempfile.mkdtemp(prefix=f"kyc-{format}-"))
        out[format] = download(format, urls, folder)
    return out
