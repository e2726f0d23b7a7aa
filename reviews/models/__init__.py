"""Review models: decisions at review, and the review queue's progress summaries."""

from reviews.models.letters import IssuedLetter
from reviews.models.reviews import Decision, Review, Verdict
from reviews.models.summaries import ProgressSummary, ReviewSummary

__all__ = ["Decision", "IssuedLetter", "ProgressSummary", "Review", "ReviewSummary", "Verdict"]
