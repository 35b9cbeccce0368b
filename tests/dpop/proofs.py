"""DPoP proofs as a client makes them: PyJWT and cryptography, nothing of the server."""

import base64
import hashlib
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

CURVES = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1}


def new_key(algorithm: str = "ES256"):
    if algorithm in CURVES:
        return ec.generate_private_key(CURVES[algorithm]())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key) -> dict:
    algorithm = jwt.algorithms
    public = private_key.public_key()
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return algorithm.ECAlgorithm.to_jwk(public, as_dict=True)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return algorithm.OKPAlgorithm.to_jwk(public, as_dict=True)
    return algorithm.RSAAlgorithm.to_jwk(public, as_dict=True)


def ath(access_token: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()


def make_proof(
    private_key,
    *,
    htm: str,
    htu: str,
    algorithm: str = "ES256",
    access_token: str | None = None,
    iat: float | None = None,
    jti: str | None = None,
    jwk: dict | None = None,
    typ: str = "dpop+jwt",
    extra_claims: dict | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    claims = {
        "jti": jti or uuid.uuid4().hex,
        "htm": htm,
        "htu": htu,
        "iat": int(time.time() if iat is None else iat),
    }
    if access_token is not None:
        claims["ath"] = ath(access_token)
    claims.update(extra_claims or {})
    for name in drop:
        claims.pop(name, None)
    headers = {"typ": typ, "jwk": public_jwk(private_key) if jwk is None else jwk}
    return jwt.encode(claims, private_key, algorithm=algorithm, headers=headers)


class DPoPKey:
    """A client's DPoP key: makes proofs and knows its thumbprint (RFC 7638, computed here
    independently of the server's code)."""

    def __init__(self, algorithm: str = "ES256") -> None:
        self.algorithm = algorithm
        self.private_key = new_key(algorithm)

    @property
    def jwk(self) -> dict:
        return public_jwk(self.private_key)

    @property
    def thumbprint(self) -> str:
        jwk = self.jwk
        members = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}[
            jwk["kty"]
        ]
        canonical = "{" + ",".join(f'"{name}":"{jwk[name]}"' for name in members) + "}"
        return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

    def proof(self, htm: str, htu: str, **kwargs) -> str:
        return make_proof(self.private_key, htm=htm, htu=htu, algorithm=self.algorithm, **kwargs)
