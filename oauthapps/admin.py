"""Django admin for staff: OAuth apps (through the services), their secrets, keys and revocations.

Every change to an app goes through ``oauthapps.services`` with audit source ``admin``, so
the admin writes the same events as the console. Nothing here shows a secret's digest or a
signing key's private part. A new secret is shown once, as in the console: the rotate
action seals it (oauthapps/reveal.py) and redirects, and the page it lands on opens it
once, uncached; a reload finds nothing and rotates nothing.
"""

import json
import secrets
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from console.actors import Actor, Source, client_ip
from console.admin import ReadOnlyAdmin
from console.reauth import auth_is_recent, reauth_url
from console.templatetags.console_ui import seconds_label
from oauthapps import selectors, services
from oauthapps.forms import SecretRotateForm, access_token_ttl_field, app_label, app_text_field
from oauthapps.models import ClientSecret, OAuthApp, Revocation, SigningKey
from oauthapps.reveal import reveal_forget, reveal_keep, reveal_pop
from scopes.catalog import get_catalog
from scopes.validation import ScopeError, validate_scopes

ADMIN_REVEAL = "admin-rotated"


def admin_actor(request) -> Actor:
    return Actor.for_user(request.user, Source.ADMIN, client_ip(request))


# As in the console, what destroys credentials needs a recent password check.
RECENT_AUTH_ACTIONS = {"rotate_secret", "delete_selected"}


def scope_choices(extra=()) -> list[tuple[str, str]]:
    names = sorted({permission.name for permission in get_catalog()} | set(extra))
    return [(name, name) for name in names]


class OAuthAppChangeForm(forms.ModelForm):
    """Name, description and scopes, checked by the rules the service applies; the service
    checks them again when saving."""

    name = app_text_field("name")
    description = app_text_field("description", widget=forms.Textarea(attrs={"rows": 3}))
    scopes = forms.MultipleChoiceField(
        label=app_label("scopes"), widget=FilteredSelectMultiple(app_label("scopes"), is_stacked=False)
    )
    # A number and a unit ("1 hours"), as the console asks for it; bounds from the model field.
    access_token_ttl = access_token_ttl_field()
    # The version the editor saw: saving over someone else's newer edit is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = OAuthApp
        # access_token_ttl: label, bounds and help text come from the model field.
        fields = ["name", "description", "scopes", "access_token_ttl", "dpop_bound_access_tokens"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep scopes the catalog no longer has visible, so that saving does not drop them
        # silently; validation then names them.
        self.fields["scopes"].choices = scope_choices(self.instance.scopes or ())
        self.fields["expected_version"].initial = self.instance.version

    def clean_scopes(self) -> list[str]:
        try:
            return validate_scopes(self.cleaned_data["scopes"])
        except ScopeError as exc:
            raise ValidationError(str(exc)) from exc

    def clean_expected_version(self) -> int:
        version = self.cleaned_data["expected_version"]
        if version != self.instance.version:
            raise ValidationError(
                "This app was changed by someone else since you opened it. "
                "Reload the page to see their changes, then edit again."
            )
        return version


class ClientSecretInline(admin.TabularInline):
    """Secrets as hints and dates only: never the digest."""

    model = ClientSecret
    template = "admin/oauthapps/secrets_inline.html"
    fields = (
        "hint",
        "created_at",
        "replaced_at",
        "expires_at",
        "revoked_at",
        "tokens_expire_at",
        "last_used_at",
    )
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may see the app may see its secrets' hints and dates.
        return request.user.has_perm("oauthapps.view_oauthapp") or request.user.has_perm(
            "oauthapps.change_oauthapp"
        )


DETAIL_FIELDS = (
    "client_id",
    "account",
    "created",
    "created_by_display",
    "updated",
    "version",
    "denied_scopes",
    "status",
    # How the app proves itself: changed through the console, the IAM API or the command line.
    "token_endpoint_auth_method",
    "jwks",
    "jwks_uri",
    "federated_credentials",
)


@admin.register(OAuthApp)
class OAuthAppAdmin(admin.ModelAdmin):
    form = OAuthAppChangeForm
    list_display = (
        "name",
        "client_id",
        "account",
        "scope_count",
        "token_expiration",
        "created",
        "created_by_display",
    )
    list_select_related = ("account", "created_by")
    list_filter = ("account",)
    search_fields = ("name", "client_id")
    ordering = ("-created", "-id")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "description",
                    "scopes",
                    "access_token_ttl",
                    "dpop_bound_access_tokens",
                    "expected_version",
                )
            },
        ),
        ("Details", {"fields": DETAIL_FIELDS}),
    )
    readonly_fields = DETAIL_FIELDS
    inlines = (ClientSecretInline,)
    actions = ("rotate_secret", "revoke_previous_secrets")
    # DOT's get_absolute_url points at its own management views, which are not mounted.
    view_on_site = False

    class Media:
        css = {"all": ["console/admin.css"]}
        js = ["console/admin.js"]

    def has_add_permission(self, request) -> bool:
        # Creating an app reveals its first secret, and the app belongs to an account's
        # administrators: staff create apps in the console or with `manage.py oauthapp create`.
        return False

    def changelist_view(self, request, extra_context=None):
        action = request.POST.get("action") if request.method == "POST" else None
        if action in RECENT_AUTH_ACTIONS and not auth_is_recent(request):
            return HttpResponseRedirect(reauth_url(request.path))
        extra_context = {
            "subtitle": "To create an OAuth app, use the console (Admin > Account management > "
            "Keys & credentials > OAuth apps) or `manage.py oauthapp create`.",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=app_label("access_token_ttl"), ordering="access_token_ttl")
    def token_expiration(self, app: OAuthApp) -> str:
        return seconds_label(app.access_token_ttl)  # "1 hour", as the console says it

    @admin.display(description=app_label("scopes"))
    def scope_count(self, app: OAuthApp) -> int:
        return len(app.scopes or ())

    @admin.display(description="Created by", ordering="created_by_label")
    def created_by_display(self, app: OAuthApp) -> str:
        return app.created_by_label or (str(app.created_by) if app.created_by_id else "-")

    def get_urls(self):
        rotated = path(
            "rotated/",
            self.admin_site.admin_view(self.rotated_secrets_view),
            name="oauthapps_oauthapp_rotated",
        )
        return [rotated, *super().get_urls()]

    # Writes: the services, never the ORM directly.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, services.EditConflict, services.AppGone) as exc:
            # Only reached when the app changed (or was deleted) between the form's checks and
            # the locked write; the form itself reports ordinary errors next to the fields.
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj: OAuthApp, form, change: bool) -> None:
        updated = services.oauth_app_update(
            app=obj,
            actor=admin_actor(request),
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            scopes=form.cleaned_data["scopes"],
            access_token_ttl=form.cleaned_data["access_token_ttl"] or obj.access_token_ttl,
            dpop_bound_access_tokens=form.cleaned_data["dpop_bound_access_tokens"],
            expected_version=form.cleaned_data["expected_version"],
        )
        obj.version = updated.version
        obj.updated = updated.updated

    def delete_model(self, request, obj: OAuthApp) -> None:
        try:
            services.oauth_app_delete(app=obj, actor=admin_actor(request))
        except services.AppGone:
            pass  # deleted meanwhile by someone else: the outcome stands

    def delete_queryset(self, request, queryset) -> None:
        actor = admin_actor(request)
        for app in queryset:
            try:
                services.oauth_app_delete(app=app, actor=actor)
            except services.AppGone:
                continue  # deleted meanwhile by someone else: the outcome stands

    def delete_view(self, request, object_id, extra_context=None):
        if not auth_is_recent(request):
            return HttpResponseRedirect(reauth_url(request.path))
        return super().delete_view(request, object_id, extra_context)

    # Actions: each asks for confirmation, then calls the service per app.

    def _confirm(
        self, request, queryset, *, action: str, title: str, question: str, confirm_label: str, form=None
    ):
        context = {
            "form": form,
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "question": question,
            "confirm_label": confirm_label,
            "action": action,
            "apps": list(queryset),
        }
        return render(request, "admin/oauthapps/oauthapp/confirm_action.html", context)

    @admin.action(description="Rotate secret", permissions=["change"])
    @sensitive_variables("rotated", "issued")
    def rotate_secret(self, request, queryset):
        form = SecretRotateForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_bound or not form.is_valid():
            return self._confirm(
                request,
                queryset,
                action="rotate_secret",
                title="Rotate secret",
                question="Rotate the secret of these apps? Each new secret is shown once; each "
                "previous secret keeps working for the grace period below. A previous secret "
                "still in its grace period stops at once (at most two valid secrets).",
                confirm_label="Yes, rotate secret",  # the console's wording
                form=form,
            )
        actor = admin_actor(request)
        rotated = []
        for app in queryset:
            try:
                rotated.append(
                    services.oauth_app_secret_rotate(
                        app=app,
                        actor=actor,
                        revoke_previous=form.cleaned_data["revoke_previous"],
                        grace_period=form.chosen_grace_period(),
                    )
                )
            except services.AppGone:
                continue  # deleted meanwhile: nothing to rotate
            except services.NoSecret as exc:  # a private_key_jwt app: no secret to rotate
                self.message_user(request, str(exc), level=messages.WARNING)
        # POST/redirect/GET: a reload of the result page must not rotate again. The new
        # secrets travel sealed, as one reveal for the batch (one cookie however many apps).
        batch = secrets.token_urlsafe(12)
        sealed = json.dumps({issued.app.client_id: issued.secret for issued in rotated})
        response = HttpResponseRedirect(
            f"{reverse('admin:oauthapps_oauthapp_rotated')}?{urlencode({'batch': batch})}"
        )
        return reveal_keep(
            request, response, kind=ADMIN_REVEAL, sid=batch, secret=sealed, path=reverse("admin:index")
        )

    @sensitive_variables("opened", "new_secrets", "rows")
    def rotated_secrets_view(self, request):
        """The new secrets of the apps just rotated, opened once: a reload shows none."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        batch = request.GET.get("batch", "")
        opened = reveal_pop(request, kind=ADMIN_REVEAL, sid=batch) if batch else None
        new_secrets = json.loads(opened) if opened else {}
        now = timezone.now()
        rows = []
        for app in OAuthApp.objects.filter(client_id__in=list(new_secrets)).order_by("name"):
            previous = ClientSecret.objects.in_grace_period(now).filter(app=app).order_by("-expires_at")
            rows.append(
                {
                    "app": app,
                    "secret": new_secrets[app.client_id],
                    "previous_until": previous.values_list("expires_at", flat=True).first(),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "New Client Secret",
            # Set, so that the admin template's lookup of it cannot fail and be logged with
            # the whole context (the secret included).
            "subtitle": None,
            "rotated": rows,
        }
        response = render(request, "admin/oauthapps/oauthapp/rotated_secrets.html", context)
        reveal_forget(response, kind=ADMIN_REVEAL, sid=batch, path=reverse("admin:index"))
        # The secret must not survive in any cache: only the staff member's screen has it.
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response

    @admin.action(description="Revoke previous secrets now", permissions=["change"])
    def revoke_previous_secrets(self, request, queryset):
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                queryset,
                action="revoke_previous_secrets",
                title="Revoke previous secrets",
                question="Stop the previous secrets of these apps now? Clients still using a "
                "previous secret fail at once; the current secret keeps working.",
                confirm_label="Yes, revoke previous secrets",
            )
        actor = admin_actor(request)
        revoked = 0
        for app in queryset:
            # Every previous secret not revoked: in its grace period, or lapsed while tokens it
            # obtained may still be unexpired (the one list the console shows).
            for entry in selectors.oauth_app_previous_secrets(app=app):
                try:
                    services.oauth_app_secret_revoke(app=app, actor=actor, secret_id=entry.secret.pk)
                except (services.AppGone, ValidationError):
                    continue
                revoked += 1
        self.message_user(
            request,
            ngettext("Revoked %d previous secret.", "Revoked %d previous secrets.", revoked) % revoked,
            messages.SUCCESS if revoked else messages.WARNING,
        )
        return None


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Read-only: keys are created and retired by management commands; never the private key."""

    list_display = ("kid", "algorithm", "created_at", "retired_at")
    list_filter = ("algorithm",)
    search_fields = ("kid",)
    fields = ("kid", "algorithm", "created_at", "retired_at", "public_jwk")
    readonly_fields = fields


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    """Revocations in force, read-only: of one token (by ``jti``), of the tokens of a secret
    (by its token tag) or of a deleted app (by Client ID). They are made by the RFC 7009
    endpoint, by revoking a secret and by deleting an app; ``purge_expired`` removes them
    once every token they cover has expired."""

    # The app a one-token revocation counts against (REVOCATIONS_MAX_JTI_PER_APP): search by
    # its Client ID to see how much of the cap an app uses.
    list_display = ("key", "client_id", "created_at", "until")
    search_fields = ("key", "=client_id")
    fields = ("key", "client_id", "created_at", "until")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    show_full_result_count = False
