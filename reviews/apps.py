"""Progress toward review, verdicts, the review queue, decisions and letters."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self):
        """Contribute this app's sections and records to the pages of the apps below."""
        from django.db.models.signals import post_migrate
        from simple_history.signals import post_create_historical_record

        from clinic import sections
        from patients import data_export, merging
        from reviews import audit_views, chart, exports, home, summaries, triggers

        sections.contribute(sections.CHART, chart.progress_sections, order=30)
        sections.contribute(sections.NEUROLOGIST_HOME, home.review_queue, order=20)
        sections.contribute(sections.NEUROLOGIST_HOME, audit_views.audit_link, order=90)
        sections.contribute(sections.FRONT_DESK_HOME, home.reviews_due, order=30)
        sections.contribute(sections.PORTAL_HOME_MORE, home.portal_progress, order=10)
        data_export.contribute_rows(exports.review_rows)
        post_create_historical_record.connect(
            summaries.refresh_on_history, dispatch_uid="reviews.refresh_on_history"
        )
        merging.records_merged.connect(
            summaries.refresh_on_merge, dispatch_uid="reviews.refresh_on_merge"
        )
        post_migrate.connect(triggers.install_if_changed, sender=self)
