import re

from oauthapps.secrets import secret_digest, secret_generate, secret_hint, secret_matches


def test_secret_is_64_url_safe_characters():
    secret = secret_generate()
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", secret)


def test_secrets_do_not_repeat():
    assert len({secret_generate() for _ in range(1000)}) == 1000


def test_digest_is_keyed_hmac_not_plain_sha256(settings):
    import hashlib

    secret = secret_generate()
    assert secret_digest(secret) != hashlib.sha256(secret.encode()).hexdigest()


def test_digest_changes_with_server_key(settings):
    secret = secret_generate()
    first = secret_digest(secret)
    settings.CLIENT_SECRET_DIGEST_KEY = "another-key"
    assert secret_digest(secret) != first


def test_matches_only_the_right_secret():
    secret = secret_generate()
    digest = secret_digest(secret)
    assert secret_matches(secret, digest)
    assert not secret_matches(secret_generate(), digest)


def test_stored_digest_offered_as_secret_does_not_match():
    secret = secret_generate()
    digest = secret_digest(secret)
    assert not secret_matches(digest, digest)


def test_hint_shows_only_last_four_characters():
    secret = secret_generate()
    assert secret_hint(secret) == "…" + secret[-4:]
    assert secret[:-4] not in secret_hint(secret)
