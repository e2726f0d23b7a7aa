"""Review models: decisions at review, and the review queue's progress summaries."""

from reviews.models.reviews import Decision, Review, Verdict
from reviews.models.summaries import ProgressSummary, ReviewSummary

__all__ = ["Decision", "ProgressSummary", "Review", "ReviewSummary", "Verdict"]
