"""The certificate's wording in each language, from fixtures/compliance/certificate_texts.json.

Kept out of the .po catalogues on purpose: a certificate is a signed document, and its text must be
the reviewed wording of the guarantee in the language chosen for it, whatever the UI language is.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.conf import settings

TEXTS_FILE = Path(settings.BASE_DIR) / "fixtures" / "compliance" / "certificate_texts.json"


@functools.cache
def certificate_texts() -> dict[str, dict[str, str]]:
    return json.loads(TEXTS_FILE.read_text(encoding="utf-8"))["texts"]


def texts_for(language: str) -> dict[str, str]:
    texts = certificate_texts()
    return texts.get(language) or texts["en"]
