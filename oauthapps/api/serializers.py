"""IAM v1 wire format of an OAuth app (Twilio's ``/v1/Account/OAuthApps`` payloads).

twilio-python 9.x sends create/update bodies as JSON with ``friendly_name``,
``description``, ``policy: {"allow", "deny"}``, ``type``, ``access_token_ttl`` and, on
create, ``owner_sid``, ``client_sid`` and ``token_endpoint_auth_method`` (and this server's
``dpop_bound_access_tokens``, RFC 9449 §5.2); it drops
``None`` values before sending, and other clients may send explicit ``null``: both mean
"not given". twilio-node 6.x sends the same fields from its typed request objects with
camelCase keys (``friendlyName``, ``accessTokenTtl``, ``ownerSid``): both spellings are
accepted, and any other key is a 400 that names it (a silently dropped field would look
like a successful update that changed nothing).
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api_paging import PageMetaSerializer
from oauthapps.models import ACCESS_TOKEN_TTL_RANGE_TEXT, SECRET_GRACE_RANGE_TEXT, AuthMethod, OAuthApp

APP_TYPE = "client_credentials"
AUTH_METHODS = tuple(AuthMethod.values)


class TextField(serializers.CharField):
    """A JSON string, and only that: DRF's CharField would turn 12 or true into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BoundedListField(serializers.ListField):
    """A ListField that refuses an over-long list before looking at any item: DRF validates
    every item first, and a 64 KiB list of ``1`` made 32,000 errors."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


# Far above the 100 permissions an app may hold (that rule is the services'): it only bounds
# the work a hostile body can cause before that rule is reached.
POLICY_LIST_MAX_ITEMS = 1000


def camel_case(name: str) -> str:
    """``access_token_ttl`` -> ``accessTokenTtl``, as twilio-node's request objects spell it."""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


class StrictKeysSerializer(serializers.Serializer):
    """A JSON object whose keys are this serializer's fields, in snake_case or camelCase."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = self._snake_case_keys(data)
        return super().to_internal_value(data)

    def _snake_case_keys(self, data: dict) -> dict:
        spellings = {name: name for name in self.fields}
        spellings.update({camel_case(name): name for name in self.fields})
        unknown = [key for key in data if key not in spellings]
        if unknown:
            known = ", ".join(sorted(self.fields))
            raise serializers.ValidationError(
                {
                    str(key)[:40]: f"Unknown field; this request takes (in snake_case or camelCase): {known}."
                    for key in unknown
                }
            )
        renamed = {}
        for key, value in data.items():
            name = spellings[key]
            if name in renamed:
                raise serializers.ValidationError({name: f"Given twice, as {name} and {camel_case(name)}."})
            renamed[name] = value
        return renamed


# The model fields behind friendly_name and description: their label and length, for the help.
NAME = OAuthApp._meta.get_field("name")
DESCRIPTION = OAuthApp._meta.get_field("description")


def access_token_ttl_field(**kwargs) -> serializers.IntegerField:
    """The app's Token expiration time on the wire (seconds), described by its model field."""
    model_field = OAuthApp._meta.get_field("access_token_ttl")
    message = (
        f"{model_field.verbose_name} must be a whole number of seconds from {ACCESS_TOKEN_TTL_RANGE_TEXT}."
    )
    return serializers.IntegerField(
        min_value=settings.ACCESS_TOKEN_TTL_MIN_SECONDS,
        max_value=settings.ACCESS_TOKEN_TTL_MAX_SECONDS,
        help_text=f"{model_field.help_text} "
        f"New apps get {settings.ACCESS_TOKEN_TTL_SECONDS} when it is left out.",
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_string_length": message,
        },
        **kwargs,
    )


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, and only that: DRF's BooleanField would take "yes", 1 or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def dpop_bound_access_tokens_field(**kwargs) -> serializers.BooleanField:
    """RFC 9449 §5.2 client metadata, described by its model field."""
    model_field = OAuthApp._meta.get_field("dpop_bound_access_tokens")
    return StrictBooleanField(
        help_text=f"{model_field.verbose_name}: {model_field.help_text} False when left out on create.",
        error_messages={"invalid": f"{model_field.name} must be true or false."},
        **kwargs,
    )


# Lengths and permission counts are checked by oauthapps.services, the one set of rules
# shared with the console; these serializers only check types and shapes.
class PolicySerializer(StrictKeysSerializer):
    allow = BoundedListField(
        child=TextField(),
        max_length=POLICY_LIST_MAX_ITEMS,
        required=False,
        allow_null=True,
        help_text="Permissions the app's tokens carry (at least one, at most 100), from the catalog.",
    )
    deny = BoundedListField(
        child=TextField(),
        max_length=POLICY_LIST_MAX_ITEMS,
        required=False,
        allow_null=True,
        help_text="Permissions removed from what ``allow`` grants (a deny wins over a ``*`` allow).",
    )


class AppWriteSerializer(StrictKeysSerializer):
    """Fields both create and update accept, in snake_case or camelCase; any other key is a 400."""

    type = serializers.ChoiceField(
        choices=[APP_TYPE],
        required=False,
        allow_null=True,
        help_text="Only ``client_credentials`` apps exist on this server.",
    )
    friendly_name = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"{NAME.verbose_name} (required on create; at most {NAME.max_length} characters).",
    )
    description = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"{DESCRIPTION.verbose_name} (at most {DESCRIPTION.max_length} characters).",
    )
    policy = PolicySerializer(required=False, allow_null=True)
    access_token_ttl = access_token_ttl_field(required=False, allow_null=True)
    dpop_bound_access_tokens = dpop_bound_access_tokens_field(required=False, allow_null=True)
    # How the app proves itself; the services check the values (oauthapps/server/jwks.py).
    token_endpoint_auth_method = serializers.ChoiceField(
        choices=AUTH_METHODS,
        required=False,
        allow_null=True,
        help_text=OAuthApp._meta.get_field("token_endpoint_auth_method").help_text,
    )
    jwks = serializers.DictField(
        required=False, allow_null=True, help_text=OAuthApp._meta.get_field("jwks").help_text
    )
    jwks_uri = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=2000,
        help_text=OAuthApp._meta.get_field("jwks_uri").help_text,
    )
    federated_credentials = BoundedListField(
        child=serializers.DictField(),
        max_length=100,
        required=False,
        allow_null=True,
        help_text=OAuthApp._meta.get_field("federated_credentials").help_text,
    )

    def service_arguments(self) -> dict:
        """The given fields as keyword arguments of oauthapps.services (null = not given)."""
        data = {key: value for key, value in self.validated_data.items() if value is not None}
        arguments = {}
        if "friendly_name" in data:
            arguments["name"] = data["friendly_name"]
        if "description" in data:
            arguments["description"] = data["description"]
        policy = {key: value for key, value in (data.get("policy") or {}).items() if value is not None}
        if "allow" in policy:
            arguments["scopes"] = policy["allow"]
        if "deny" in policy:
            arguments["denied_scopes"] = policy["deny"]
        if "access_token_ttl" in data:
            arguments["access_token_ttl"] = data["access_token_ttl"]
        if "dpop_bound_access_tokens" in data:
            arguments["dpop_bound_access_tokens"] = data["dpop_bound_access_tokens"]
        for name in ("token_endpoint_auth_method", "jwks", "jwks_uri", "federated_credentials"):
            if name in data:
                arguments[name] = data[name]
        return arguments


class AppCreateSerializer(AppWriteSerializer):
    owner_sid = TextField(
        max_length=34,
        required=False,
        allow_null=True,
        help_text="If given, must be the token's account SID: apps are created in that account only.",
    )
    client_sid = TextField(
        max_length=34,
        required=False,
        allow_null=True,
        help_text="Not supported: the server generates the Client ID. Leave it out.",
    )

    def validate_owner_sid(self, value):
        account = self.context["account"]
        if value is not None and value != account.sid:
            raise serializers.ValidationError("Apps can be created only in the access token's own account.")
        return value

    def validate_client_sid(self, value):
        if value is not None:
            raise serializers.ValidationError("The server generates the Client ID; leave client_sid out.")
        return value


class AppSerializer(serializers.Serializer):
    """An OAuth app as IAM v1 returns it. ``secret`` is added only by create and rotation."""

    sid = serializers.CharField(source="client_id", help_text="OQ + 32 hex characters; also the Client ID.")
    type = serializers.SerializerMethodField()
    friendly_name = serializers.CharField(source="name")
    description = serializers.CharField()
    date_created = serializers.DateTimeField(source="created")
    date_updated = serializers.DateTimeField(source="updated")
    created_by = serializers.CharField(source="created_by_label")
    creator_sid = serializers.CharField()
    status = serializers.CharField()
    policy = serializers.SerializerMethodField()
    access_token_ttl = access_token_ttl_field()
    dpop_bound_access_tokens = dpop_bound_access_tokens_field()
    client_id = serializers.CharField()
    url = serializers.SerializerMethodField()
    token_endpoint_auth_method = serializers.CharField()
    jwks = serializers.JSONField()
    jwks_uri = serializers.SerializerMethodField()
    federated_credentials = serializers.JSONField()

    def get_jwks_uri(self, app: OAuthApp) -> str | None:
        return app.jwks_uri or None

    def get_type(self, app: OAuthApp) -> str:
        return APP_TYPE

    @extend_schema_field(PolicySerializer)
    def get_policy(self, app: OAuthApp) -> dict:
        return {"allow": list(app.scopes), "deny": list(app.denied_scopes)}

    def get_url(self, app: OAuthApp) -> str:
        path = reverse("iam:oauth-app", kwargs={"sid": app.client_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AppWithSecretSerializer(AppSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The Client Secret, shown only in this response; a private_key_jwt app has none."
    )

    def get_secret(self, app: OAuthApp) -> str:
        return self.context["secret"]


class SecretRotateSerializer(StrictKeysSerializer):
    """The optional JSON body of a rotation (empty: the default grace period)."""

    grace_period = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=settings.SECRET_GRACE_MAX_SECONDS,
        help_text=f"Seconds the replaced secret keeps working: {SECRET_GRACE_RANGE_TEXT}; "
        f"{settings.SECRET_GRACE_SECONDS} when left out. A previous secret still in its grace period "
        "stops at once either way: at most two secrets are valid at any time.",
        error_messages={
            key: f"The grace period must be a whole number of seconds from {SECRET_GRACE_RANGE_TEXT}."
            for key in ("invalid", "min_value", "max_value", "max_string_length")
        },
    )
    revoke_previous = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Stop the replaced secret at once (it leaked) instead of after its grace period.",
    )

    def chosen_grace_period(self) -> timedelta | None:
        seconds = self.validated_data.get("grace_period")
        return None if seconds is None else timedelta(seconds=seconds)


class AppPageSerializer(serializers.Serializer):
    apps = AppSerializer(many=True)
    meta = PageMetaSerializer()
