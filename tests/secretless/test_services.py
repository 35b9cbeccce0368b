"""Secretless apps in the services: what may be registered, no secret, audited by thumbprint."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from oauthapps import services
from oauthapps.models import ClientSecret
from oauthapps.server.jwks import jwk_thumbprint
from tests.factories import web_actor
from tests.issuer import SigningKey

GITHUB = "https://token.actions.githubusercontent.com"


def create(account, member, **auth):
    return services.oauth_app_create(
        account=account,
        actor=web_actor(member.user),
        name="Deployer",
        scopes=["/twilio/iam/account-oauth-apps/list"],
        **auth,
    )


def federated(subject="repo:acme/site:ref:refs/heads/main", **extra):
    return {"issuer": GITHUB, "subject": subject, "audiences": ["https://oauth.example.com"], **extra}


@pytest.mark.django_db
class TestCreate:
    def test_a_key_app_gets_no_secret(self, account, member):
        key = SigningKey("RSA")
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [key.jwk]}
        )
        assert issued.secret is None and issued.secret_record is None
        assert not ClientSecret.objects.filter(app=issued.app).exists()
        assert issued.app.jwks == {"keys": [key.jwk]} and not issued.app.uses_secret

    def test_a_federated_app_gets_no_secret(self, account, member):
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", federated_credentials=[federated()]
        )
        assert issued.secret is None
        assert issued.app.federated_credentials == [federated()]

    def test_a_secret_app_is_as_before(self, account, member):
        issued = create(account, member)
        assert issued.secret and issued.app.token_endpoint_auth_method == "client_secret_basic"

    def test_private_key_jwt_needs_keys_or_a_federated_credential(self, account, member):
        with pytest.raises(ValidationError, match="needs its public keys"):
            create(account, member, token_endpoint_auth_method="private_key_jwt")

    def test_keys_on_a_secret_app_are_refused(self, account, member):
        with pytest.raises(ValidationError, match="only for apps whose token_endpoint_auth_method"):
            create(account, member, jwks={"keys": [SigningKey().jwk]})

    def test_inline_keys_and_a_jwks_uri_together_are_refused(self, account, member):
        with pytest.raises(ValidationError, match="not both"):
            create(
                account,
                member,
                token_endpoint_auth_method="private_key_jwt",
                jwks={"keys": [SigningKey().jwk]},
                jwks_uri="https://example.com/jwks",
            )

    def test_a_private_key_is_refused_naming_the_member(self, account, member):
        private = {**SigningKey().jwk, "d": "AQAB", "p": "AQAB"}
        with pytest.raises(ValidationError) as refused:
            create(account, member, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [private]})
        assert "private key members (d, p)" in str(refused.value.message_dict["jwks"])

    def test_a_symmetric_key_is_refused(self, account, member):
        with pytest.raises(ValidationError, match="oct"):
            create(
                account,
                member,
                token_endpoint_auth_method="private_key_jwt",
                jwks={"keys": [{"kty": "oct", "k": "AAAA"}]},
            )

    def test_an_http_jwks_uri_is_refused_in_production(self, account, member, settings):
        settings.KEY_FETCH_ALLOW_LOOPBACK = False
        with pytest.raises(ValidationError, match="https"):
            create(
                account,
                member,
                token_endpoint_auth_method="private_key_jwt",
                jwks_uri="http://example.com/jwks",
            )

    def test_at_most_20_federated_credentials(self, account, member):
        many = [federated(subject=f"repo:acme/site:ref:refs/heads/b{n}") for n in range(21)]
        with pytest.raises(ValidationError, match="at most 20"):
            create(account, member, token_endpoint_auth_method="private_key_jwt", federated_credentials=many)
        create(account, member, token_endpoint_auth_method="private_key_jwt", federated_credentials=many[:20])

    @pytest.mark.parametrize(
        "credential",
        [
            {"issuer": "http://token.example.com", "subject": "s", "audiences": ["a"]},
            {"issuer": GITHUB, "subject": "", "audiences": ["a"]},
            {"issuer": GITHUB, "subject": "s", "audiences": []},
            {"issuer": GITHUB, "subject": "s", "audiences": ["a"], "claims": {"sub": "x"}},
            {"issuer": GITHUB, "subject": "s", "audiences": ["a"], "claims": {"x": [1]}},
            {"issuer": GITHUB, "subject": "s", "audiences": ["a"], "name": "extra member"},
        ],
    )
    def test_a_malformed_federated_credential_is_refused(self, account, member, settings, credential):
        settings.KEY_FETCH_ALLOW_LOOPBACK = False
        with pytest.raises(ValidationError):
            create(
                account,
                member,
                token_endpoint_auth_method="private_key_jwt",
                federated_credentials=[credential],
            )


@pytest.mark.django_db
class TestRotationAndUpdate:
    def test_rotating_a_key_apps_secret_is_refused(self, account, member):
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", federated_credentials=[federated()]
        )
        with pytest.raises(services.NoSecret, match="no client secret"):
            services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
        assert not ClientSecret.objects.filter(app=issued.app).exists()

    def test_switching_to_keys_stops_the_secrets(self, account, member):
        issued = create(account, member)
        services.oauth_app_update(
            app=issued.app,
            actor=web_actor(member.user),
            token_endpoint_auth_method="private_key_jwt",
            jwks={"keys": [SigningKey().jwk]},
        )
        assert (
            not ClientSecret.objects.filter(app=issued.app).valid_at(issued.secret_record.created_at).exists()
        )

    def test_switching_back_to_a_secret_drops_the_keys_and_rotation_issues_one(self, account, member):
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [SigningKey().jwk]}
        )
        app = services.oauth_app_update(
            app=issued.app, actor=web_actor(member.user), token_endpoint_auth_method="client_secret_post"
        )
        assert app.jwks is None and app.uses_secret
        assert services.oauth_app_secret_rotate(app=app, actor=web_actor(member.user)).secret

    def test_a_key_change_is_audited_by_thumbprint_never_whole(self, account, member):
        old, new = SigningKey(), SigningKey("EC")
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", jwks={"keys": [old.jwk]}
        )
        services.oauth_app_update(app=issued.app, actor=web_actor(member.user), jwks={"keys": [new.jwk]})
        event = AuditEvent.objects.get(event_type="oauth-apps.updated")
        change = event.event_data["resource_properties"]["jwks"]
        assert change == {"previous": [jwk_thumbprint(old.jwk)], "updated": [jwk_thumbprint(new.jwk)]}
        assert old.jwk["n"] not in str(event.event_data)

    def test_a_federated_change_is_audited(self, account, member):
        issued = create(
            account, member, token_endpoint_auth_method="private_key_jwt", federated_credentials=[federated()]
        )
        changed = [federated(subject="repo:acme/site:ref:refs/heads/release")]
        services.oauth_app_update(app=issued.app, actor=web_actor(member.user), federated_credentials=changed)
        event = AuditEvent.objects.get(event_type="oauth-apps.updated")
        assert event.event_data["resource_properties"]["federated_credentials"] == {
            "previous": [federated()],
            "updated": changed,
        }
