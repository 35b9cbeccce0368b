"""RFC 7009 revocation of an access token by the client it was issued to."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauthapps.models import OAuthApp
from oauthapps.server.client_limits import ClientThrottled
from oauthapps.server.revocations import (
    revocations_record,
    token_key,
    token_revocations_in_force,
    token_until,
)
from oauthapps.server.token_rows import token_checksum
from oauthapps.server.tokens import InvalidAccessToken, access_token_verify


class RevocationLimitReached(ClientThrottled):
    """The app already has REVOCATIONS_MAX_JTI_PER_APP one-token revocations in force: each
    is kept until its token's exp, so without a cap one app could grow them without bound.
    A client limit like the others: the endpoint answers 429 with Retry-After."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"This app already has {limit} revoked access tokens that have not expired, the most "
            "it may have. To stop many tokens at once, revoke them by their secret: rotate the "
            'secret with {"revoke_previous": true} (or "Revoke now" in the console), which '
            f"revokes every token the previous secrets obtained. Or retry after {retry_after} seconds.",
            retry_after,
        )


def access_token_revoke(*, token: str, client: OAuthApp) -> bool:
    """RFC 7009: revoke ``token`` if it is one of ours, unexpired, and was issued to
    ``client``; otherwise change nothing (the caller answers 200 either way, §2.2). Returns
    whether it was revoked. Its ``jti`` is recorded until the token's ``exp``; raises
    RevocationLimitReached when the app already has REVOCATIONS_MAX_JTI_PER_APP of them."""
    try:
        claims = access_token_verify(token)
    except InvalidAccessToken:
        return False
    if claims["client_id"] != client.client_id:
        return False
    key = token_key(claims["jti"])
    with transaction.atomic():
        # The app's row lock makes concurrent revocations of one app count in turn.
        OAuthApp.objects.select_for_update().filter(pk=client.pk).values_list("pk").first()
        _check_revocation_limit(client.client_id, key)
        revocations_record([(key, token_until(claims))], client_id=client.client_id)
        # A token issued before 0.2.0 is a row too (oauthapps/server/token_rows.py).
        get_access_token_model().objects.filter(token_checksum=token_checksum(token)).delete()
    return True


def _check_revocation_limit(client_id: str, key: str) -> None:
    now = timezone.now()
    in_force = token_revocations_in_force(client_id, now)
    limit = settings.REVOCATIONS_MAX_JTI_PER_APP
    if in_force.filter(key=key).exists() or in_force.count() < limit:
        return  # revoking a revoked token again costs nothing
    oldest = in_force.order_by("until").values_list("until", flat=True).first()
    raise RevocationLimitReached(limit, retry_after=max(1, int((oldest - now).total_seconds()) + 1))
