"""Staff automation: create, list, rotate and delete OAuth apps through the services (source cli)."""

import argparse
import json
from datetime import timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError

from console.actors import Actor
from console.models import Account
from console.selectors import account_default
from oauthapps import services
from oauthapps.models import ACCESS_TOKEN_TTL_RANGE_TEXT, SECRET_GRACE_RANGE_TEXT, AuthMethod, OAuthApp
from oauthapps.selectors import oauth_app_list

# Labels and limits come from the model fields, as everywhere an app field is shown.
TOKEN_TTL_HELP = (
    f"{OAuthApp._meta.get_field('access_token_ttl').verbose_name} in seconds, {ACCESS_TOKEN_TTL_RANGE_TEXT}"
)


DPOP_HELP = (
    f"{OAuthApp._meta.get_field('dpop_bound_access_tokens').verbose_name}: a token request without a "
    "DPoP proof (RFC 9449) is refused"
)


def _text_help(field: str) -> str:
    model_field = OAuthApp._meta.get_field(field)
    return f"{model_field.verbose_name}, at most {model_field.max_length} characters."


def add_key_arguments(parser) -> None:
    """How a secretless app proves itself; any of them makes it a private_key_jwt app."""
    parser.add_argument("--jwks-file", help="A JSON file holding the app's public keys (a JWK Set).")
    parser.add_argument("--jwks-uri", help="An https URL serving the app's public keys (a JWK Set).")
    parser.add_argument(
        "--federated",
        nargs=3,
        action="append",
        metavar=("ISSUER", "SUBJECT", "AUDIENCE"),
        help="Accept tokens of ISSUER for SUBJECT with AUDIENCE (e.g. a GitHub Actions job); repeatable.",
    )


def key_arguments(options) -> dict:
    """The service arguments of ``--jwks-file``, ``--jwks-uri`` and ``--federated``."""
    arguments = {}
    if options.get("jwks_file"):
        try:
            with open(options["jwks_file"], encoding="utf-8") as handle:
                arguments["jwks"] = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"--jwks-file: cannot read a JSON JWK Set ({exc}).") from None
    if options.get("jwks_uri"):
        arguments["jwks_uri"] = options["jwks_uri"]
    if options.get("federated"):
        arguments["federated_credentials"] = [
            {"issuer": issuer, "subject": subject, "audiences": [audience]}
            for issuer, subject, audience in options["federated"]
        ]
    if arguments:
        arguments["token_endpoint_auth_method"] = AuthMethod.PRIVATE_KEY_JWT
    return arguments


def app_json(app: OAuthApp, secret: str | None = None) -> dict:
    data = {
        "sid": app.client_id,
        "client_id": app.client_id,
        "account_sid": app.account.sid,
        "friendly_name": app.name,
        "description": app.description,
        "scopes": app.scopes,
        "access_token_ttl": app.access_token_ttl,
        "dpop_bound_access_tokens": app.dpop_bound_access_tokens,
        "date_created": app.created.isoformat(),
        "created_by": app.created_by_label,
        "token_endpoint_auth_method": app.token_endpoint_auth_method,
        "jwks": app.jwks,
        "jwks_uri": app.jwks_uri or None,
        "federated_credentials": app.federated_credentials,
    }
    if secret is not None:
        data["secret"] = secret
    return data


class Command(BaseCommand):
    help = "Manage OAuth apps: create, list, update SID, rotate SID, delete SID. Prints JSON."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an app; prints its client_id and secret once.")
        create.add_argument("--account", help="Account SID (AC…); the default account if omitted.")
        create.add_argument("--name", required=True, help=_text_help("name"))
        create.add_argument("--description", default="", help=_text_help("description"))
        create.add_argument(
            "--scope", action="append", required=True, help="A permission; repeat for several."
        )
        create.add_argument(
            "--token-ttl",
            type=int,
            help=f"{TOKEN_TTL_HELP}; ACCESS_TOKEN_TTL_SECONDS if omitted.",
        )
        create.add_argument("--dpop-bound-access-tokens", action="store_true", help=f"{DPOP_HELP}.")
        add_key_arguments(create)
        update = sub.add_parser(
            "update",
            help="Change an app's Token expiration time, whether it requires DPoP-bound tokens, or how it "
            "proves itself (keys, federation).",
        )
        update.add_argument("sid")
        update.add_argument("--token-ttl", type=int, help=f"{TOKEN_TTL_HELP}.")
        add_key_arguments(update)
        update.add_argument(
            "--client-secret",
            action="store_true",
            help="Make it a client-secret app again (drops its keys); then 'rotate' issues its secret.",
        )
        update.add_argument(
            "--dpop-bound-access-tokens",
            action=argparse.BooleanOptionalAction,
            help=f"{DPOP_HELP} (--no-dpop-bound-access-tokens: Bearer tokens are issued again).",
        )
        listing = sub.add_parser("list", help="List the account's apps.")
        listing.add_argument("--account")
        rotate = sub.add_parser("rotate", help="Rotate an app's secret; prints the new secret once.")
        rotate.add_argument("sid")
        rotate.add_argument("--revoke-previous", action="store_true", help="Stop the old secret at once.")
        rotate.add_argument(
            "--grace-period",
            type=int,
            help=f"Seconds the old secret keeps working, {SECRET_GRACE_RANGE_TEXT}; SECRET_GRACE_SECONDS "
            "if omitted. A previous secret still in its grace period stops at once.",
        )
        delete = sub.add_parser("delete", help="Delete an app; its secrets and tokens stop working.")
        delete.add_argument("sid")

    def handle(self, *args, action, **options):
        actor = Actor.system()
        try:
            if action == "create":
                issued = services.oauth_app_create(
                    account=self._account(options["account"]),
                    actor=actor,
                    name=options["name"],
                    description=options["description"],
                    scopes=options["scope"],
                    access_token_ttl=options["token_ttl"],
                    dpop_bound_access_tokens=options["dpop_bound_access_tokens"],
                    **key_arguments(options),
                )
                return self._print(app_json(issued.app, issued.secret))
            if action == "list":
                return self._print(
                    [app_json(app) for app in oauth_app_list(account=self._account(options["account"]))]
                )
            app = self._app(options["sid"])
            if action == "update":
                changes = {
                    name: options[option]
                    for name, option in (
                        ("access_token_ttl", "token_ttl"),
                        ("dpop_bound_access_tokens", "dpop_bound_access_tokens"),
                    )
                    if options[option] is not None
                }
                changes.update(key_arguments(options))
                if options["client_secret"]:
                    changes["token_endpoint_auth_method"] = AuthMethod.CLIENT_SECRET_BASIC
                if not changes:
                    raise CommandError(
                        "Give --token-ttl, --[no-]dpop-bound-access-tokens, keys or --client-secret."
                    )
                updated = services.oauth_app_update(app=app, actor=actor, **changes)
                return self._print(app_json(updated))
            if action == "rotate":
                grace = options["grace_period"]
                issued = services.oauth_app_secret_rotate(
                    app=app,
                    actor=actor,
                    revoke_previous=options["revoke_previous"],
                    grace_period=None if grace is None else timedelta(seconds=grace),
                )
                return self._print(app_json(issued.app, issued.secret))
            services.oauth_app_delete(app=app, actor=actor)
            return self._print({"sid": options["sid"], "deleted": True})
        except services.AppGone as exc:  # deleted meanwhile, after _app found it
            raise CommandError(f"No OAuth app {exc.client_id}.") from None
        except services.NoSecret as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(
                "; ".join(
                    " ".join(v) if k == NON_FIELD_ERRORS else f"{k}: {' '.join(v)}"
                    for k, v in exc.message_dict.items()
                )
            ) from None

    def _print(self, data) -> None:
        self.stdout.write(json.dumps(data, indent=2))

    def _account(self, sid: str | None) -> Account:
        account = Account.objects.filter(sid=sid).first() if sid else account_default()
        if account is None:
            raise CommandError(
                f"No account {sid}." if sid else "No account exists yet; run manage.py bootstrap."
            )
        return account

    def _app(self, sid: str) -> OAuthApp:
        app = OAuthApp.objects.select_related("account").filter(client_id=sid).first()
        if app is None:
            raise CommandError(f"No OAuth app {sid}.")
        return app
