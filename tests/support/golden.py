"""Golden-file support: regenerate with SGVERIFY_UPDATE_GOLDEN=1; reports are compared with
the tool version and the checkout's path replaced, so neither a release nor a clone
changes them."""

from __future__ import annotations

import os
import re

from sgverify import __version__
from tests.support.paths import ROOT

UPDATE = os.environ.get("SGVERIFY_UPDATE_GOLDEN") == "1"


def normalise(text: str) -> str:
    text = re.sub(r'("(?:version|semanticVersion)": )"' + re.escape(__version__) + '"',
                  r'\1"<version>"', text)
    return text.replace(str(ROOT), "<root>")
