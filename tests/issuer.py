"""A local OIDC issuer for tests: discovery and a JWK Set served over HTTP on 127.0.0.1,
with the keys and answers a test can change while it runs."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


class SigningKey:
    """A private key, its public JWK (with ``kid``), and a way to sign claims with it."""

    def __init__(self, kind: str = "RSA", kid: str | None = None, size: int = 2048) -> None:
        self.kid = kid
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=size)
            self.algorithm = "RS256"
            self.jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.algorithm = "ES256"
            self.jwk = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        if kid:
            self.jwk["kid"] = kid

    def sign(self, claims: dict, *, kid: str | None | bool = True, algorithm: str | None = None) -> str:
        headers = (
            {"kid": self.kid} if kid is True and self.kid else ({"kid": kid} if isinstance(kid, str) else {})
        )
        return jwt.encode(claims, self.private, algorithm=algorithm or self.algorithm, headers=headers)


class LocalIssuer:
    """``/.well-known/openid-configuration`` and ``/jwks`` on 127.0.0.1 (a free port).

    Change ``keys`` to rotate; ``issuer_in_document`` to serve a look-alike; ``redirect_jwks_to``
    to redirect the JWK Set; ``jwks_padding`` to make it oversized; ``cache_control`` for the
    header. ``hits`` counts requests per path."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = [SigningKey(kid="k1")]
        self.cache_control = "max-age=3600"
        self.issuer_in_document: str | None = None
        self.redirect_jwks_to: str | None = None
        self.jwks_padding = 0
        self.hits: dict[str, int] = {}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                issuer.hits[self.path] = issuer.hits.get(self.path, 0) + 1
                if self.path == "/.well-known/openid-configuration":
                    body = {
                        "issuer": issuer.issuer_in_document or issuer.url,
                        "jwks_uri": issuer.url + "/jwks",
                    }
                elif self.path == "/jwks" and issuer.redirect_jwks_to:
                    self.send_response(302)
                    self.send_header("Location", issuer.redirect_jwks_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                elif self.path in ("/jwks", "/moved-jwks"):
                    body = {"keys": [key.jwk for key in issuer.keys]}
                    if issuer.jwks_padding:
                        body["padding"] = "x" * issuer.jwks_padding
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", issuer.cache_control)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LocalIssuer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(
        self, *, subject: str, audience, key: SigningKey | None = None, lifetime: int = 600, **claims
    ) -> str:
        """A platform token of this issuer, signed by ``key`` (the first key by default)."""
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
        }
        payload.update(claims)
        return (key or self.keys[0]).sign(payload)


def client_assertion(
    key: SigningKey, *, client_id: str, audience: str, lifetime: int = 3600, kid: bool | str = False, **claims
) -> str:
    """A private_key_jwt assertion as authlib makes it by default: RS256, no kid, exp = iat + 3600."""
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    payload.update(claims)
    return key.sign(payload, kid=kid)
