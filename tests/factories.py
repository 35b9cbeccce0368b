"""factory-boy factories: the one place tests make data."""

from datetime import datetime

import factory

from console.actors import Actor, Source
from console.models import Account, Membership, Role, User
from oauthapps import services
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.token_checks import token_check
from oauthapps.server.tokens import InvalidAccessToken, access_token_claims, access_token_sign

DEFAULT_SCOPES = ["/twilio/iam/account-oauth-apps/read", "/twilio/monitor/events/list"]
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Role.ADMINISTRATOR


def web_actor(user: User, ip: str = "127.0.0.1") -> Actor:
    return Actor.for_user(user, Source.WEB, ip)


def make_app(
    account: Account | None = None,
    *,
    user: User | None = None,
    name: str = "Billing sync",
    scopes=None,
    description: str = "Syncs invoices",
) -> services.IssuedSecret:
    """An app created through the service, as the console would: returns app and secret."""
    account = account or AccountFactory()
    user = user or MembershipFactory(account=account).user
    return services.oauth_app_create(
        account=account,
        actor=web_actor(user),
        name=name,
        description=description,
        scopes=scopes or DEFAULT_SCOPES,
        created_by=user,
    )


def mint_access_token(app: OAuthApp, *, issued_at: datetime, secret: ClientSecret | None = None) -> str:
    """A token of ``app`` signed by the active key as if issued at ``issued_at`` (by another
    host's clock, say), as the token endpoint makes it: obtained with ``secret`` (the app's
    newest by default)."""
    claims = access_token_claims(
        app=app,
        secret_tag=(secret or app.secrets.latest("pk")).token_tag,
        scopes=app.scopes,
        audience=None,
        issued_at=issued_at,
    )
    return access_token_sign(claims)


def token_is_live(token: str) -> bool:
    """Does the server's one check (introspection, gateway, APIs) accept ``token`` now?"""
    try:
        token_check(token)
    except InvalidAccessToken:
        return False
    return True
