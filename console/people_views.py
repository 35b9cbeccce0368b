"""The People page: an account's owners add people by email with a role, change roles and
remove people. Thin: every change goes through console/people.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from console import people
from console.actors import Actor, Source, client_ip
from console.decorators import membership_required
from console.models import Membership, Role
from console.reauth import recent_auth_required

ROLE_HELP = {
    Role.OWNER: "Everything, and manages the account's people.",
    Role.ADMINISTRATOR: "Creates, changes and deletes OAuth apps.",
    Role.DEVELOPER: "Creates, changes and deletes OAuth apps.",
    Role.READ_ONLY: "Sees the apps and the audit trail; changes nothing.",
}


class PersonAddForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.READ_ONLY)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


def owner_required(view):
    """A member whose role in the current account is Owner: only owners manage people."""

    @membership_required
    def wrapped(request, *args, **kwargs):
        if request.membership.role != Role.OWNER:
            raise PermissionDenied("Only the account's owners manage its people.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _actor(request) -> Actor:
    return Actor.for_user(request.user, Source.WEB, client_ip(request))


def _member_or_404(request, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(account=request.membership.account, pk=membership_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404("No such person in this account.")
    return membership


def _people_page(request, form: PersonAddForm, *, status: int = 200, added=None):
    members = request.membership.account.memberships.select_related("user").order_by("user__email")
    context = {
        "form": form,
        "members": members,
        "roles": Role.choices,
        "role_help": [(label, ROLE_HELP[value]) for value, label in Role.choices],
        "added": added,
    }
    response = render(request, "console/people.html", context, status=status)
    if added is not None:
        add_never_cache_headers(response)  # a first password is on this page
    return response


@owner_required
@recent_auth_required  # the page itself: who may sign in to the account is decided here
@require_http_methods(["GET", "POST"])
@sensitive_variables("added")
def people_page(request):
    if request.method == "GET":
        return _people_page(request, PersonAddForm())
    form = PersonAddForm(request.POST)
    if not form.is_valid():
        return _people_page(request, form, status=400)
    try:
        added = people.person_add(
            account=request.membership.account,
            actor=_actor(request),
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _people_page(request, form, status=400)
    # Rendered, not redirected: a first password must not wait in the session or a cookie.
    return _people_page(request, PersonAddForm(), added=added)


@owner_required
@recent_auth_required
@require_POST
def person_role_page(request, membership_id: int):
    membership = _member_or_404(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect("console:people")
    try:
        changed = people.person_role_change(
            membership=membership, actor=_actor(request), role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{changed.user.email} is now {changed.get_role_display()}.")
    return redirect("console:people")


@owner_required
@recent_auth_required
@require_http_methods(["GET", "POST"])
def person_remove_page(request, membership_id: int):
    membership = _member_or_404(request, membership_id)
    if request.method == "GET":
        return render(request, "console/person_remove.html", {"person": membership})
    try:
        people.person_remove(membership=membership, actor=_actor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("console:people")
    messages.success(request, f"{membership.user.email} was removed from this account.")
    if membership.user_id == request.user.pk:
        return redirect("console:home")
    return redirect("console:people")
