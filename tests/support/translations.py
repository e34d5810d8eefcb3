"""Message catalogues for the tests: compiled when stale, extracted afresh to compare."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"


def catalogue_paths() -> list[Path]:
    """Every language's messages.po."""
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po:
        return read_po(po)


def compile_stale_catalogues() -> None:
    """Compile each .po whose .mo is missing or older (``make install`` does it too; this
    covers a test run straight after pulling a changed catalogue). Written to a temporary
    file and moved into place, so test workers starting together never read half a file."""
    for po in catalogue_paths():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = read_catalogue(po)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalogue)
        os.replace(temporary, mo)


def extract_messages(output: Path) -> Catalog:
    """What ``make translations-extract`` finds, written to ``output`` and read back."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "-o",
            str(output),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with output.open("rb") as pot:
        return read_po(pot)
