"""Review of issue 20: docs/resource-server.md and the shipped nginx-gateway.conf say that the
check receives the client's DPoP header and that "a DPoP-bound token passes only with its
proof" (RFC 9449 §7). A token whose claims carry ``cnf`` (RFC 7800, as the documented
``TokenApi.token_binding`` seam makes them, docs/token-server.md) is nonetheless let
through by the gateway check as a plain Bearer token, with no proof at all."""

import pytest
from django.utils import timezone

from oauthapps.server.tokens import access_token_claims, access_token_sign
from tests.gateway.test_gateway_check import SEND_SMS, account, check, sender  # noqa: F401

pytestmark = pytest.mark.django_db

THUMBPRINT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


def test_a_dpop_bound_token_without_its_proof_is_refused(client, sender):  # noqa: F811
    claims = access_token_claims(
        app=sender.app,
        secret_tag=sender.secret_record.token_tag,
        scopes=[SEND_SMS],
        audience=None,
        issued_at=timezone.now(),
        cnf={"jkt": THUMBPRINT},
    )
    bound = access_token_sign(claims)
    # Sent as a Bearer token, without a DPoP proof: whoever copied the token is not its holder.
    response = check(client, bound)
    assert response.status_code == 401, "a DPoP-bound token passed the check without its proof"
