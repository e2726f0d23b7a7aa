from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from records_in.csv_in import KINDS
from records_in.forms import UploadForm
from records_in.run import import_file


def administrator_required(view):
    """Administrators only (superusers: they hold no clinical role, docs/migration-in.md)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied("Only an administrator may import records.")
        return view(request, *args, **kwargs)

    return wrapped


@administrator_required
def upload(request):
    """Upload a file of one kind; show every problem with its line, or what was imported."""
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        outcome = import_file(
            form.cleaned_data["kind"],
            [(file.name, file.read())],
            by=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
    kinds = [(name, kind.required, kind.optional) for name, kind in KINDS.items()]
    return render(
        request, "records_in/upload.html", {"form": form, "outcome": outcome, "kinds": kinds}
    )
