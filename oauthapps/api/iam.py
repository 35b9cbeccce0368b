"""IAM v1 API: ``/v1/Account/OAuthApps`` on Twilio's paths and payloads.

Every write goes through oauthapps.services (the console's rules), with the calling app
as actor and ``api`` as the audit source. Every read and write is confined to the
token's account: another account's SID is indistinguishable from one that never existed.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from console.actors import Actor, client_ip
from console.api import TwilioApiView
from console.api_paging import PAGING_PARAMETER_NAMES, PAGING_PARAMETERS, KeysetPaging
from console.sids import is_sid
from oauthapps import selectors, services
from oauthapps.api.serializers import (
    AppCreateSerializer,
    AppPageSerializer,
    AppSerializer,
    AppWithSecretSerializer,
    AppWriteSerializer,
    SecretRotateSerializer,
)
from oauthapps.app_scopes import app_permissions
from oauthapps.models import OAuthApp
from oauthapps.server.bearer import BearerTokenAuthentication
from scopes.permissions import HasCatalogPermission
from scopes.resolver import concrete_permissions

PERMISSION = "/twilio/iam/account-oauth-apps/{}"
TAG = "IAM: OAuth apps"
# Field names of oauthapps.services errors, as this API calls them.
API_FIELD = {
    "name": "friendly_name",
    "description": "description",
    "scopes": "policy.allow",
    "denied_scopes": "policy.deny",
    # An error of the request as a whole (e.g. the account's app limit): no field to name.
    NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY,
    "access_token_ttl": "access_token_ttl",
    "grace_period": "grace_period",
}
APP_PAGING = KeysetPaging(key="apps", date_field="created", token_salt="iam.oauth-apps.page")


# How many of the permissions a refused caller lacks are named in the message.
MISSING_NAMED = 20
NO_ESCALATION = (
    " The app's resulting effective permissions (its allow list, each `*` expanded, minus its "
    "deny list) must be within the calling token's own; otherwise 403 naming the permissions "
    "the caller lacks."
)
NO_LATERAL = (
    " The calling token must hold every effective permission of the app (its allow list, each "
    "`*` expanded, minus its deny list), so that a weaker app cannot strip or delete a stronger "
    "one; otherwise 403 naming the permissions the caller lacks."
)
NO_TAKEOVER = (
    " The calling token must hold every effective permission of the app (its allow list, each "
    "`*` expanded, minus its deny list), as the new secret carries them; otherwise 403 naming "
    "the permissions the caller lacks."
)


def needs(action: str) -> str:
    return f"Needs the permission `{PERMISSION.format(action)}`."


def escalation_refused(exc: services.PermissionEscalation) -> PermissionDenied:
    named = ", ".join(exc.missing[:MISSING_NAMED])
    more = len(exc.missing) - MISSING_NAMED
    return PermissionDenied(
        "An app may not grant, change, delete or take the secret of permissions it does not hold itself. "
        f"The calling token lacks: {named}" + (f" and {more} more." if more > 0 else ".")
    )


def api_validation_error(exc: DjangoValidationError) -> ValidationError:
    """A service's field errors, renamed to this API's fields (one translation at the edge)."""
    if hasattr(exc, "message_dict"):
        return ValidationError(
            {API_FIELD.get(field, field): messages for field, messages in exc.message_dict.items()}
        )
    return ValidationError(exc.messages)


class IamApi(TwilioApiView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasCatalogPermission]

    @property
    def account(self):
        return self.request.auth.app.account

    def actor(self) -> Actor:
        return Actor.for_app(self.request.auth.app, client_ip(self.request))

    def handle_exception(self, exc):
        # The one translation of each service refusal for this API.
        if isinstance(exc, services.PermissionEscalation):
            exc = escalation_refused(exc)
        elif isinstance(exc, services.AppGone):  # deleted after app_or_404 found it
            exc = NotFound(f"The OAuth app {exc.client_id} was not found.")
        return super().handle_exception(exc)

    def caller_permissions(self) -> frozenset[str]:
        """What the caller may hand out: its token's scopes, as far as its app still holds
        them (an app narrowed since the token was issued is bounded at once)."""
        grant = self.request.auth
        return concrete_permissions(grant.scopes) & concrete_permissions(app_permissions(grant.app))

    def app_or_404(self, sid: str) -> OAuthApp:
        app = selectors.oauth_app_get(account=self.account, sid=sid) if is_sid(sid, "OQ") else None
        if app is None:
            raise NotFound(f"The OAuth app {sid[:40]} was not found.")
        return app

    def render(self, app: OAuthApp, *, secret: str | None = None, status: int = 200) -> Response:
        context = {"request": self.request, "secret": secret}
        serializer = AppWithSecretSerializer if secret is not None else AppSerializer
        return Response(serializer(app, context=context).data, status=status)


class OAuthAppListCreateApi(IamApi):
    required_permissions = {"GET": PERMISSION.format("list"), "POST": PERMISSION.format("create")}
    query_parameters = PAGING_PARAMETER_NAMES

    @extend_schema(
        tags=[TAG],
        operation_id="ListOAuthApp",
        description=needs("list"),
        summary="List the account's OAuth apps, newest first (Twilio paging).",
        parameters=PAGING_PARAMETERS,
        responses={200: AppPageSerializer},
    )
    def get(self, request):
        page = APP_PAGING.page(
            request, selectors.oauth_app_list(account=self.account), scope=self.account.sid, query=[]
        )
        rendered = AppSerializer(page.records, many=True, context={"request": request}).data
        return Response(page.body(rendered))

    @extend_schema(
        tags=[TAG],
        operation_id="CreateOAuthApp",
        request=AppCreateSerializer,
        description=needs("create") + NO_ESCALATION,
        responses={201: AppWithSecretSerializer},
        summary="Create an OAuth app; the response carries its Client Secret, once.",
    )
    def post(self, request):
        serializer = AppCreateSerializer(data=request.data, context={"account": self.account})
        serializer.is_valid(raise_exception=True)
        arguments = {"name": "", "scopes": [], **serializer.service_arguments()}
        try:
            issued = services.oauth_app_create(
                account=self.account,
                actor=self.actor(),
                caller_permissions=self.caller_permissions(),
                **arguments,
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from None
        return self.render(issued.app, secret=issued.secret, status=201)


class OAuthAppApi(IamApi):
    required_permissions = {
        "GET": PERMISSION.format("read"),
        "PUT": PERMISSION.format("update"),
        "DELETE": PERMISSION.format("delete"),
    }

    @extend_schema(
        tags=[TAG], operation_id="FetchOAuthApp", responses={200: AppSerializer}, description=needs("read")
    )
    def get(self, request, sid: str):
        return self.render(self.app_or_404(sid))

    @extend_schema(
        tags=[TAG],
        operation_id="UpdateOAuthApp",
        request=AppWriteSerializer,
        responses={200: AppSerializer},
        description=needs("update") + NO_ESCALATION + NO_LATERAL,
        summary="Change App name, Description of the app, the policy or the Token expiration time; "
        "fields left out stay as they are.",
    )
    def put(self, request, sid: str):
        app = self.app_or_404(sid)
        serializer = AppWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            app = services.oauth_app_update(
                app=app,
                actor=self.actor(),
                caller_permissions=self.caller_permissions(),
                **serializer.service_arguments(),
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from None
        return self.render(app)

    @extend_schema(
        tags=[TAG],
        operation_id="DeleteOAuthApp",
        responses={204: OpenApiResponse(description="Deleted.")},
        description=needs("delete") + NO_LATERAL,
        summary="Delete the app: its secrets and tokens stop working at once.",
    )
    def delete(self, request, sid: str):
        app = self.app_or_404(sid)
        services.oauth_app_delete(app=app, actor=self.actor(), caller_permissions=self.caller_permissions())
        return Response(status=204)


class OAuthAppSecretRotateApi(IamApi):
    # Rotation changes the app, so it needs the update permission (docs/domain.md, "IAM API").
    required_permissions = {"POST": PERMISSION.format("update")}

    @extend_schema(
        tags=[TAG],
        operation_id="RotateOAuthAppSecret",
        request=SecretRotateSerializer,
        description=needs("update") + NO_TAKEOVER,
        responses={200: AppWithSecretSerializer},
        summary="Rotate the Client Secret: the new one is returned once; the old one works for the "
        "grace_period (24 hours by default) unless revoke_previous is true. An older secret still in "
        "its grace period stops at once (at most two valid secrets).",
    )
    def post(self, request, sid: str):
        app = self.app_or_404(sid)
        serializer = SecretRotateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            issued = services.oauth_app_secret_rotate(
                app=app,
                actor=self.actor(),
                revoke_previous=serializer.validated_data["revoke_previous"],
                caller_permissions=self.caller_permissions(),
                grace_period=serializer.chosen_grace_period(),
            )
        except DjangoValidationError as exc:
            raise api_validation_error(exc) from None
        return self.render(issued.app, secret=issued.secret)


@extend_schema_view(post=extend_schema(operation_id="RotateOAuthAppSecretLowerCase"))
class OAuthAppSecretRotateLowerCaseApi(OAuthAppSecretRotateApi):
    """``/secret``, as Twilio's iam v1 spec spells the path: the same rotation, its own
    operation id (OpenAPI needs each to be unique)."""
