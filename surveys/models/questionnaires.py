"""Published questionnaire versions. The document is stored whole and never changed after loading."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.questionnaire import Questionnaire, localized, questionnaire_from_document


class Kind(models.TextChoices):
    SAQ = "saq", _("Code of Conduct self-assessment")
    ENV_ACTIVITY = "env_activity", _("Environmental activity survey")
    PRODUCT_ENV_LOAD = "product_env_load", _("Product environmental-load survey")
    ENV_PERFORMANCE = "env_performance", _("Environmental performance data")


# (pk, checksum) -> parsed questionnaire. The checksum is part of the key so a test database that
# reuses a primary key with another document never gets the wrong questionnaire.
_PARSED: dict[tuple[int, str], Questionnaire] = {}


class QuestionnaireVersion(models.Model):
    """One questionnaire file as loaded from fixtures/surveys/questionnaires.

    Immutable once stored: `questionnaire_publish` refuses a document whose (code, version) exists
    with other content, so every response keeps meaning what the supplier saw. A change is a new
    version file with a new version number.
    """

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10)
    title = models.JSONField(_("title"), default=dict)
    document = models.JSONField(_("document"))
    checksum = models.CharField(max_length=64, editable=False)
    question_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_unique"),
        ]
        verbose_name = _("questionnaire version")

    def __str__(self) -> str:
        return f"{self.title.get('en', self.code)} {self.version}"

    def display_title(self, language: str) -> str:
        return f"{localized(self.title, language)} {self.version}"

    @property
    def questionnaire(self) -> Questionnaire:
        # Parsed once per process per version: the SAQ page must not re-read 245 kB of JSON per request.
        key = (self.pk, self.checksum)
        parsed = _PARSED.get(key)
        if parsed is None:
            if len(_PARSED) > 64:
                _PARSED.clear()
            parsed = _PARSED[key] = questionnaire_from_document(self.document)
        return parsed
