"""Models of the surveys app, one module per subject."""

from surveys.models.campaigns import Campaign
from surveys.models.questionnaires import QuestionnaireVersion
from surveys.models.responses import EvidenceFile, ReminderSent, Response, ResponseVersion, ReviewComment

__all__ = [
    "Campaign",
    "EvidenceFile",
    "QuestionnaireVersion",
    "ReminderSent",
    "Response",
    "ResponseVersion",
    "ReviewComment",
]
