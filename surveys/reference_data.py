"""Load the questionnaire versions under fixtures/surveys/questionnaires (idempotent)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from surveys.models import QuestionnaireVersion
from surveys.questionnaire import QuestionnaireError, questionnaire_from_document

QUESTIONNAIRES = Path(settings.BASE_DIR) / "fixtures" / "surveys" / "questionnaires"


class QuestionnaireImmutable(QuestionnaireError):
    """A published version's document differs from the file: a release is never edited in place."""


def _checksum(document: dict[str, Any]) -> str:
    # Canonical JSON, so re-indenting a file is not a change but any change of content is.
    return hashlib.sha256(
        json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


@transaction.atomic
def questionnaire_publish(document: dict[str, Any]) -> tuple[QuestionnaireVersion, bool]:
    """Store DOCUMENT as a questionnaire version; return (version, created).

    Loading the same document again is a no-op. A different document under a published
    (code, version) is refused: responses already given must keep the questions they answered.
    """
    questionnaire = questionnaire_from_document(document)
    checksum = _checksum(document)
    existing = (
        QuestionnaireVersion.objects.select_for_update()
        .filter(code=questionnaire.code, version=questionnaire.version)
        .first()
    )
    if existing is not None:
        if existing.checksum != checksum:
            raise QuestionnaireImmutable(
                f"{questionnaire.code} {questionnaire.version} is published and cannot change; "
                "write the change as a new version file"
            )
        return existing, False
    version = QuestionnaireVersion.objects.create(
        code=questionnaire.code,
        version=questionnaire.version,
        kind=questionnaire.kind,
        level=questionnaire.level,
        title=dict(questionnaire.title),
        document=document,
        checksum=checksum,
        question_count=len(questionnaire.questions),
    )
    return version, True


def load_questionnaires(directory: Path = QUESTIONNAIRES) -> int:
    """Publish every file in DIRECTORY; return how many versions were new."""
    created = 0
    for path in sorted(directory.glob("*.json")):
        try:
            _, new = questionnaire_publish(json.loads(path.read_text(encoding="utf-8")))
        except QuestionnaireError as exc:
            raise QuestionnaireError(f"{path.name}: {exc}") from exc
        created += new
    return created
