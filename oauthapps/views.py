"""Console pages for OAuth apps: list, create, credentials, detail/edit, secrets, rotate,
revoke, delete. Thin: every change goes through oauthapps.services.

A plaintext secret reaches exactly one page. The POST that creates (or rotates) seals it
for the next page (oauthapps/reveal.py: encrypted in the session, key in a short-lived
cookie) and redirects (POST/redirect/GET, and ``Cache-Control: no-store``). A reload or the
Back button shows it again to the same session for a few minutes, until "Got it!" drops it.
"""

import secrets
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_http_methods

from console.actors import Actor, Source, client_ip
from console.decorators import manager_required, membership_required
from console.reauth import recent_auth_required
from console.templatetags.console_ui import duration_label
from oauthapps import services
from oauthapps.forms import (
    OAuthAppCreateForm,
    OAuthAppEditForm,
    SecretRotateForm,
    auth_initial,
    auth_way_of,
    scope_picker_areas,
)
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.reveal import reveal_discard, reveal_forget, reveal_keep, reveal_open
from oauthapps.selectors import (
    oauth_app_get,
    oauth_app_list,
    oauth_app_name_taken,
    oauth_app_previous_secrets,
    oauth_app_search,
    oauth_app_secret_in_grace_period,
    oauth_app_secrets_in_use,
)
from oauthapps.server.assertions import CLIENT_ASSERTION_TYPE
from oauthapps.server.jwks import jwk_set_thumbprints
from oauthapps.server.usage import usage_pending
from scopes.resolver import without_covered

CREATE_TOKENS_KEY = "oauthapps.create-tokens"
CREATE_TOKENS_KEPT = 20
APP_GONE = "That OAuth app no longer exists; it was deleted."
APPS_PER_PAGE = 50
SEARCH_MAX_LENGTH = 100  # longer than any name or Client ID, so nothing findable is cut


def _actor(request) -> Actor:
    return Actor.for_user(request.user, Source.WEB, client_ip(request))


def _app_or_404(request, sid: str) -> OAuthApp:
    app = oauth_app_get(account=request.membership.account, sid=sid)
    if app is None:
        raise Http404("No such OAuth app in this account.")
    return app


def _app_gone_to_list(view):
    """The console's one translation of ``services.AppGone``: the app was deleted meanwhile
    (by someone else), so say so on the list instead of failing on a page that is gone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.AppGone:
            messages.error(request, APP_GONE)
            return redirect("oauthapps:list")

    return wrapper


def _no_store(response):
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
    return response


def _given(value):
    """A field the form may leave out: left out means "keep", as the services spell it."""
    return services.UNSET if value is None else value


def _warn_if_name_taken(request, app: OAuthApp) -> None:
    # Names need not be unique (Twilio's are not); two alike are told apart by Client ID.
    if oauth_app_name_taken(app=app):
        messages.warning(
            request,
            f"Another OAuth app in this account is also named “{app.name}”. "
            "Tell them apart by Client ID, or rename one.",
        )


def _picker_context(form) -> dict:
    selected = form.selected_scopes()
    return {
        "picker_areas": scope_picker_areas(),
        "selected": selected,
        "selected_sorted": sorted(without_covered(selected)),
        "selected_count": len(without_covered(selected)),  # a `*` counts once, with its actions
    }


@membership_required
def oauth_app_list_page(request):
    """One page of the account's apps, optionally those matching ``?q=`` (name or Client ID)."""
    account = request.membership.account
    query = (
        request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    )  # NUL: not text to PostgreSQL
    page = Paginator(oauth_app_search(account=account, text=query), APPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Only a search that matches nothing needs a second look: does the account have apps?
    has_apps = page.paginator.count > 0 or (bool(query) and oauth_app_list(account=account).exists())
    context = {"apps": page.object_list, "page": page, "query": query, "has_apps": has_apps}
    return render(request, "oauthapps/list.html", context)


@manager_required
@require_http_methods(["GET", "POST"])
def oauth_app_create_page(request):
    if request.method == "POST":
        form = OAuthAppCreateForm(request.POST)
        used = request.session.get(CREATE_TOKENS_KEY, {})
        token = request.POST.get("form_token", "")
        if token and token in used:
            return redirect("oauthapps:credentials", sid=used[token])
        if form.is_valid():
            try:
                issued = services.oauth_app_create(
                    account=request.membership.account,
                    actor=_actor(request),
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    scopes=form.cleaned_data["scopes"],
                    access_token_ttl=form.cleaned_data["access_token_ttl"],
                    dpop_bound_access_tokens=form.cleaned_data["dpop_bound_access_tokens"],
                    created_by=request.user,
                    **form.auth_arguments(),
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                used[token] = issued.app.client_id
                _warn_if_name_taken(request, issued.app)
                request.session[CREATE_TOKENS_KEY] = dict(list(used.items())[-CREATE_TOKENS_KEPT:])
                if issued.secret is None:  # a key or federated app: nothing to reveal
                    return redirect("oauthapps:credentials", sid=issued.app.client_id)
                return reveal_keep(
                    request,
                    redirect("oauthapps:credentials", sid=issued.app.client_id),
                    kind="created",
                    sid=issued.app.client_id,
                    secret=issued.secret,
                )
    else:
        form = OAuthAppCreateForm(
            initial={
                "form_token": secrets.token_urlsafe(16),
                "access_token_ttl": settings.ACCESS_TOKEN_TTL_SECONDS,
                "auth_way": "secret",
            }
        )
    return render(request, "oauthapps/create.html", {"form": form, **_picker_context(form)})


def _reveal_page(request, sid: str, *, kind: str, template: str):
    """The one page that shows a new secret, until "Got it!" (or a few minutes); never cached."""
    app = _app_or_404(request, sid)
    secret = reveal_open(request, kind=kind, sid=app.client_id)
    response = render(request, template, {"app": app, "secret": secret, **secretless_context(app)})
    if secret is None:
        reveal_forget(response, kind=kind, sid=app.client_id)
    return _no_store(response)


@membership_required
def oauth_app_credentials_page(request, sid: str):
    return _reveal_page(request, sid, kind="created", template="oauthapps/credentials.html")


@manager_required
@require_http_methods(["GET", "POST"])
def oauth_app_credentials_done(request, sid: str):
    """The "Got it!" form's Finish (a POST): the new app is confirmed by name on the list."""
    app = _app_or_404(request, sid)
    if request.method != "POST":
        return redirect("oauthapps:list")
    messages.success(request, f"The OAuth app “{app.name}” was created.")
    return reveal_discard(request, redirect("oauthapps:list"), kind="created", sid=app.client_id)


@membership_required
@require_http_methods(["GET", "POST"])
@_app_gone_to_list
def oauth_app_detail_page(request, sid: str):
    app = _app_or_404(request, sid)
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied("Your role in this account is read-only.")
        form = OAuthAppEditForm(request.POST)
        if form.is_valid():
            try:
                updated = services.oauth_app_update(
                    app=app,
                    actor=_actor(request),
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    scopes=form.cleaned_data["scopes"],
                    access_token_ttl=_given(form.cleaned_data["access_token_ttl"]),
                    dpop_bound_access_tokens=form.cleaned_data["dpop_bound_access_tokens"],
                    expected_version=form.cleaned_data["version"],
                    **form.auth_arguments(app),
                )
            except services.EditConflict as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, f"Your changes to “{form.cleaned_data['name']}” were saved.")
                _warn_if_name_taken(request, updated)
                return redirect("oauthapps:detail", sid=app.client_id)
    else:
        form = OAuthAppEditForm(
            initial={
                "name": app.name,
                "description": app.description,
                "scopes": list(app.scopes),
                "access_token_ttl": app.access_token_ttl,
                "dpop_bound_access_tokens": app.dpop_bound_access_tokens,
                "version": app.version,
                **auth_initial(app),
            }
        )
    context = {"app": app, "form": form, "tab": "details", **_picker_context(form)}
    return render(request, "oauthapps/detail.html", context)


@membership_required
def oauth_app_secrets_page(request, sid: str):
    app = _app_or_404(request, sid)
    in_use = list(oauth_app_secrets_in_use(app=app))
    previous = oauth_app_previous_secrets(app=app)
    shown = in_use + [entry.secret for entry in previous]
    pending = usage_pending([secret.pk for secret in shown])  # uses not yet flushed
    for secret in shown:
        if secret.pk in pending:
            secret.last_used_at = max(filter(None, (secret.last_used_at, pending[secret.pk])))
    current = next((secret for secret in in_use if secret.is_current), None)
    context = {
        "app": app,
        "tab": "credentials",
        "current": current,
        "previous": previous,
        **secretless_context(app),
        **_rotate_context(app, SecretRotateForm(auto_id="rotate-dialog-%s")),
    }
    return render(request, "oauthapps/secrets.html", context)


def secretless_context(app: OAuthApp) -> dict:
    """What the credentials pages show of a key or federated app: its keys by thumbprint, its
    federated credentials, and a token request it can copy."""
    if app.uses_secret:
        return {}
    token_url = settings.OAUTH_ISSUER + reverse("oauth-token")
    lines = [
        f"curl -X POST {token_url} \\",
        "  -d grant_type=client_credentials \\",
        f"  -d client_id={app.client_id} \\",
        f"  -d client_assertion_type={CLIENT_ASSERTION_TYPE} \\",
        '  -d client_assertion="$ASSERTION"',
    ]
    return {
        "auth_way": auth_way_of(app),
        "key_thumbprints": jwk_set_thumbprints(app.jwks),
        "token_url": token_url,
        "example_request": "\n".join(lines),
    }


def _rotate_context(app: OAuthApp, form: SecretRotateForm) -> dict:
    """What the rotation pop-up (and its no-JavaScript page) shows: the grace period field,
    and the previous secret that rotating now would stop (at most two valid secrets)."""
    return {
        "rotate_form": form,
        "grace": settings.SECRET_GRACE,
        "ending_secret": oauth_app_secret_in_grace_period(app=app),
    }


# The rotation's choices: not secrets, so they may ride through the password confirmation.
ROTATE_CHOICES = ("grace_period_0", "grace_period_1", "revoke_previous")


def _rotate_choices_kept(request) -> SecretRotateForm:
    """The rotation form, filled with the choices a POST refused for an old sign-in carried
    back (console/reauth.py); a hand-made query that does not validate is ignored."""
    if any(name in request.GET for name in ROTATE_CHOICES):
        kept = SecretRotateForm(request.GET)
        if kept.is_valid():
            return kept
    return SecretRotateForm()


def _when_secrets_stop(replaced: list[ClientSecret], *, grace_period: timedelta) -> str:
    """In words, when each secret valid before a rotation stops working now that it ran."""
    now = timezone.now()
    after = {secret.pk: secret for secret in ClientSecret.objects.filter(pk__in=[s.pk for s in replaced])}
    sentences = []
    for secret in replaced:
        current = after.get(secret.pk)  # gone: an ended secret may be deleted at once
        ends = now if current is None else (current.revoked_at or current.expires_at)
        if ends is None:
            continue
        if ends <= now:
            sentences.append(f"The previous secret {secret.hint} stopped working now.")
        else:
            at = dateformat.format(timezone.localtime(ends), "H:i:s T \\o\\n j M Y")
            sentences.append(
                f"The previous secret {secret.hint} stops working at {at}, "
                f"when its grace period of {duration_label(grace_period)} ends."
            )
    return " ".join(sentences)


@manager_required
@recent_auth_required(keep=ROTATE_CHOICES)
@require_http_methods(["GET", "POST"])
@_app_gone_to_list
def oauth_app_rotate_page(request, sid: str):
    app = _app_or_404(request, sid)
    if not app.uses_secret:
        messages.error(request, str(services.NoSecret(app.client_id)))
        return redirect("oauthapps:secrets", sid=app.client_id)
    form = SecretRotateForm(request.POST) if request.method == "POST" else _rotate_choices_kept(request)
    if request.method == "POST" and form.is_valid():
        replaced = list(ClientSecret.objects.filter(app=app).valid_at(timezone.now()))
        try:
            issued = services.oauth_app_secret_rotate(
                app=app,
                actor=_actor(request),
                revoke_previous=form.cleaned_data["revoke_previous"],
                grace_period=form.chosen_grace_period(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            grace_period = form.chosen_grace_period()
            if grace_period is None:
                grace_period = settings.SECRET_GRACE
            if stops := _when_secrets_stop(replaced, grace_period=grace_period):
                messages.info(request, stops)
            return reveal_keep(
                request,
                redirect("oauthapps:rotated", sid=app.client_id),
                kind="rotated",
                sid=app.client_id,
                secret=issued.secret,
            )
    status = 400 if form.errors else 200
    context = {
        "app": app,
        "choices_kept": request.method == "GET" and form.is_bound,
        **_rotate_context(app, form),
    }
    return render(request, "oauthapps/rotate_confirm.html", context, status=status)


@membership_required
def oauth_app_rotated_page(request, sid: str):
    return _reveal_page(request, sid, kind="rotated", template="oauthapps/rotated.html")


@manager_required
@require_http_methods(["GET", "POST"])
def oauth_app_rotated_done(request, sid: str):
    """The "Got it!" form's Done (a POST) after a rotation: confirmed by name on Credentials."""
    app = _app_or_404(request, sid)
    if request.method != "POST":
        return redirect("oauthapps:secrets", sid=app.client_id)
    messages.success(request, f"The Client Secret of “{app.name}” was rotated.")
    return reveal_discard(
        request, redirect("oauthapps:secrets", sid=app.client_id), kind="rotated", sid=app.client_id
    )


@manager_required
@require_http_methods(["GET", "POST"])
@_app_gone_to_list
def oauth_app_secret_revoke_page(request, sid: str, secret_id: int):
    app = _app_or_404(request, sid)
    record = ClientSecret.objects.filter(app=app, pk=secret_id).first()
    if record is None:
        raise Http404("No such secret for this app.")
    if request.method == "POST":
        try:
            services.oauth_app_secret_revoke(app=app, actor=_actor(request), secret_id=record.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"The previous secret {record.hint} was revoked. It no longer works.")
        return redirect("oauthapps:secrets", sid=app.client_id)
    return render(request, "oauthapps/revoke_confirm.html", {"app": app, "secret": record})


@manager_required
@recent_auth_required
@require_http_methods(["GET", "POST"])
@_app_gone_to_list
def oauth_app_delete_page(request, sid: str):
    app = _app_or_404(request, sid)
    if request.method == "POST":
        services.oauth_app_delete(app=app, actor=_actor(request))
        messages.success(request, f"The OAuth app “{app.name}” was deleted.")
        return redirect(reverse("oauthapps:list"))
    return render(request, "oauthapps/delete_confirm.html", {"app": app})
