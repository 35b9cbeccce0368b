"""IAM v1 wire format of an OAuth app (Twilio's ``/v1/Account/OAuthApps`` payloads).

twilio-python 9.x sends create/update bodies as JSON with ``friendly_name``,
``description``, ``policy: {"allow", "deny"}``, ``type``, ``access_token_ttl`` and, on
create, ``owner_sid``, ``client_sid`` and ``token_endpoint_auth_method``; it drops
``None`` values before sending, and other clients may send explicit ``null``: both mean
"not given".
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.api_paging import PageMetaSerializer
from oauthapps.models import OAuthApp

APP_TYPE = "client_credentials"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


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


# Lengths and permission counts are checked by oauthapps.services, the one set of rules
# shared with the console; these serializers only check types and shapes.
class PolicySerializer(serializers.Serializer):
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


class AppWriteSerializer(serializers.Serializer):
    """Fields both create and update accept."""

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
        help_text="App name (required on create; at most 100 characters).",
    )
    description = TextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Description of the app (at most 1000 characters).",
    )
    policy = PolicySerializer(required=False, allow_null=True)
    access_token_ttl = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Token lifetime in seconds; this server issues tokens for exactly ACCESS_TOKEN_TTL_SECONDS "
        "(3600 by default) and refuses any other value.",
    )

    def validate_access_token_ttl(self, value):
        if value is not None and value != settings.ACCESS_TOKEN_TTL_SECONDS:
            raise serializers.ValidationError(
                f"This server issues access tokens for exactly {settings.ACCESS_TOKEN_TTL_SECONDS} seconds."
            )
        return value

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
    token_endpoint_auth_method = serializers.ChoiceField(
        choices=AUTH_METHODS,
        required=False,
        allow_null=True,
        help_text="Both methods are always accepted at /v2/token.",
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
    access_token_ttl = serializers.SerializerMethodField()
    client_id = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_type(self, app: OAuthApp) -> str:
        return APP_TYPE

    @extend_schema_field(PolicySerializer)
    def get_policy(self, app: OAuthApp) -> dict:
        return {"allow": list(app.scopes), "deny": list(app.denied_scopes)}

    def get_access_token_ttl(self, app: OAuthApp) -> int:
        return settings.ACCESS_TOKEN_TTL_SECONDS

    def get_url(self, app: OAuthApp) -> str:
        path = reverse("iam:oauth-app", kwargs={"sid": app.client_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AppWithSecretSerializer(AppSerializer):
    secret = serializers.SerializerMethodField(help_text="The Client Secret, shown only in this response.")

    def get_secret(self, app: OAuthApp) -> str:
        return self.context["secret"]


class SecretRotateSerializer(serializers.Serializer):
    revoke_previous = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Stop the replaced secret at once (it leaked) instead of after the 24-hour grace period.",
    )


class AppPageSerializer(serializers.Serializer):
    apps = AppSerializer(many=True)
    meta = PageMetaSerializer()
