"""Django's {# #} comments end on their line: one left open is printed on the page as text."""

from pathlib import Path

from django.conf import settings

TEMPLATES = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))


def test_no_template_leaves_a_one_line_comment_open():
    open_comments = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert TEMPLATES and open_comments == []
