"""RFC 7009 revocation of an access token by the client it was issued to."""

from django.db import transaction

from oauthapps.models import OAuthApp
from oauthapps.server.revocations import revocations_record, token_key, token_until
from oauthapps.server.tokens import InvalidAccessToken, access_token_verify


def access_token_revoke(*, token: str, client: OAuthApp) -> bool:
    """RFC 7009: revoke ``token`` if it is one of ours, unexpired, and was issued to
    ``client``; otherwise change nothing (the caller answers 200 either way, §2.2). Returns
    whether it was revoked. Its ``jti`` is recorded until the token's ``exp``."""
    try:
        claims = access_token_verify(token)
    except InvalidAccessToken:
        return False
    if claims["client_id"] != client.client_id:
        return False
    with transaction.atomic():
        revocations_record([(token_key(claims["jti"]), token_until(claims))])
    return True
