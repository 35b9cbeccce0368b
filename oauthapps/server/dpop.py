"""DPoP proofs (RFC 9449): check one, and name the key it proves (RFC 7638 thumbprint).

A DPoP proof is a JWT the client signs with its own key, per request, carrying that
public key in its header. ``proof_verify`` applies the checks of RFC 9449 §4.3 in order
and returns the proof's key thumbprint (``jkt``, what a bound token's ``cnf.jkt`` holds)
and its ``jti``. Whether a ``jti`` was seen before is the replay memory's business
(oauthapps/server/dpop_replay.py on the server; the resource-server helper has its own):
this module keeps no state.

Like oauthapps/server/jwt_rules.py it needs PyJWT and cryptography only, no Django and no model,
so that the resource-server helper can verify proofs in a service of its own.
"""

import base64
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import jwt
from jwt.algorithms import get_default_algorithms

from oauthapps.server.jwt_rules import _quoted_string as quoted_string  # the Bearer challenge's quoting
from oauthapps.server.jwt_rules import scheme_token

PROOF_TYPE = "dpop+jwt"  # RFC 9449 §4.2
# Asymmetric only (RFC 9449 §4.2: never "none" nor a MAC). EdDSA where PyJWT serves it
# (it does with the cryptography package, which PyJWT[crypto] brings).
PROOF_ALGORITHMS = tuple(
    alg for alg in ("ES256", "ES384", "RS256", "PS256", "EdDSA") if alg in get_default_algorithms()
)
# The key type (and curve) each algorithm signs with: a proof whose jwk is another kind of
# key is refused before PyJWT tries it.
_KEY_SHAPES = {
    "ES256": ("EC", {"P-256"}),
    "ES384": ("EC", {"P-384"}),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
    "EdDSA": ("OKP", {"Ed25519", "Ed448"}),
}
MIN_RSA_BITS = 2048
# Members that only a private (or symmetric) JWK has (RFC 7517 §9.3, RFC 7518 §6).
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7638 §3.2: the members of each key type that its thumbprint hashes.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
REQUIRED_CLAIMS = ("jti", "htm", "htu", "iat")
# A proof is a few hundred bytes (an RSA-4096 key in its header, under 2 KiB); this bounds
# what a hostile header can make us parse.
MAX_PROOF_BYTES = 8192
MAX_JTI_LENGTH = 256
# RFC 7230 token characters: an HTTP method.
_METHOD = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class InvalidProof(Exception):
    """The DPoP proof is missing, malformed, not signed by its own key, or not for this request.
    ``error`` is the RFC 9449 error code the answer carries."""

    error = "invalid_dpop_proof"


class NonceRequired(InvalidProof):
    """The server wants the proof to carry a nonce it provided, and it does not carry a
    current one (RFC 9449 §8): the client retries with the ``DPoP-Nonce`` it is sent."""

    error = "use_dpop_nonce"


class InvalidBinding(InvalidProof):
    """The proof is good but the access token is not bound to its key, or a bound token came
    without the DPoP scheme: the token is refused (RFC 9449 §7.1, ``invalid_token``)."""

    error = "invalid_token"


@dataclass(frozen=True)
class Proof:
    """A verified proof: the thumbprint of the key that signed it, and what it claims."""

    jkt: str
    jti: str
    iat: int
    claims: dict


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638: base64url(SHA-256) of the key's required members, sorted, without spaces."""
    members = _THUMBPRINT_MEMBERS.get(jwk.get("kty"))
    if members is None or not all(isinstance(jwk.get(name), str) for name in members):
        raise InvalidProof("The proof's jwk is not an EC, RSA or OKP public key.")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def access_token_hash(access_token: str) -> str:
    """The ``ath`` claim (RFC 9449 §4.2): base64url(SHA-256(ASCII of the access token))."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def normalized_uri(uri: str) -> str:
    """``uri`` as RFC 9449 §4.3 compares ``htu``: without query and fragment, normalised by
    RFC 3986 §6.2.2 and §6.2.3 (scheme and host in lower case, percent-encodings in upper
    case and unreserved characters decoded, dot segments removed, the scheme's default port
    dropped, an empty path made "/"). Raises InvalidProof for something that is not an
    absolute http(s) URI."""
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidProof("htu is not a URI.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidProof("htu must be an absolute http or https URI without user information.")
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    path = _remove_dot_segments(_normalized_percent_encoding(parts.path)) or "/"
    return urlunsplit((scheme, host, path, "", ""))


_PERCENT_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalized_percent_encoding(path: str) -> str:
    def one(match: re.Match) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT_ENCODED.sub(one, path)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _public_jwk(header: dict, algorithm: str) -> jwt.PyJWK:
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise InvalidProof("The proof's header carries no jwk (RFC 9449 §4.2).")
    if _PRIVATE_MEMBERS & set(jwk):
        raise InvalidProof("The proof's jwk must be a public key: it carries private key members.")
    kty, curves = _KEY_SHAPES[algorithm]
    if jwk.get("kty") != kty or (curves is not None and jwk.get("crv") not in curves):
        raise InvalidProof(f"The proof's jwk is not a key for {algorithm}.")
    try:
        key = jwt.PyJWK(jwk, algorithm=algorithm)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidProof("The proof's jwk is not a valid public key.") from exc
    if kty == "RSA" and key.key.key_size < MIN_RSA_BITS:
        raise InvalidProof(f"The proof's RSA key must have at least {MIN_RSA_BITS} bits.")
    return key


def _signed_claims(proof: str, algorithms: tuple[str, ...]) -> tuple[dict, dict]:
    """The header and claims of a proof signed by the key in its own header (§4.3 2-7)."""
    if len(proof) > MAX_PROOF_BYTES:
        raise InvalidProof(f"The DPoP proof is longer than {MAX_PROOF_BYTES} bytes.")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError as exc:
        raise InvalidProof("The DPoP header is not one JWT.") from exc
    if str(header.get("typ", "")).lower() != PROOF_TYPE:
        raise InvalidProof(f"The proof's typ must be {PROOF_TYPE} (RFC 9449 §4.2).")
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise InvalidProof(
            f"The proof's alg {str(algorithm)[:20]!r} is not accepted; use one of {' '.join(algorithms)}."
        )
    key = _public_jwk(header, algorithm)
    try:
        decoded = jwt.api_jws.decode_complete(proof, key.key, algorithms=[algorithm])
        claims = json.loads(decoded["payload"])
    except jwt.PyJWTError as exc:
        raise InvalidProof("The proof's signature does not verify with its jwk.") from exc
    except ValueError as exc:
        raise InvalidProof("The proof's claims are not a JSON object.") from exc
    if not isinstance(claims, dict):
        raise InvalidProof("The proof's claims are not a JSON object.")
    return header, claims


def _check_claims(claims: dict) -> None:
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        raise InvalidProof(f"The proof lacks {', '.join(missing)} (RFC 9449 §4.2).")
    jti, iat = claims["jti"], claims["iat"]
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise InvalidProof(f"The proof's jti must be a string of 1 to {MAX_JTI_LENGTH} characters.")
    if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
        raise InvalidProof("The proof's iat must be a number of seconds since the epoch.")
    if not isinstance(claims["htm"], str) or not isinstance(claims["htu"], str):
        raise InvalidProof("The proof's htm and htu must be strings.")


def proof_verify(
    proof: str | None,
    *,
    method: str,
    uris: tuple[str, ...],
    max_age_seconds: float,
    leeway_seconds: float,
    access_token: str | None = None,
    algorithms: tuple[str, ...] = PROOF_ALGORITHMS,
    nonce_valid: Callable[[object], bool] | None = None,
    now: float | None = None,
) -> Proof:
    """Check a ``DPoP`` header's proof for a request of ``method`` to one of ``uris`` (the
    URLs the request may have been sent to: any one matching ``htu`` passes), by RFC 9449
    §4.3 except replay, and return it. At a resource (``access_token`` given), ``ath`` must
    be that token's hash. ``iat`` may be at most ``max_age_seconds`` old and no later than
    now, each with ``leeway_seconds`` for hosts' clocks. With ``nonce_valid``, the proof's
    ``nonce`` must pass it (NonceRequired otherwise). Raises InvalidProof."""
    if not proof:
        raise InvalidProof("Send a DPoP proof in the DPoP header (RFC 9449 §4).")
    if "," in proof or " " in proof.strip():
        # Several DPoP fields arrive joined by commas; a JWT has none (§4.3 check 1).
        raise InvalidProof("Send exactly one DPoP proof.")
    _header, claims = _signed_claims(proof.strip(), algorithms)
    _check_claims(claims)
    if claims["htm"] != method or not _METHOD.match(method):
        raise InvalidProof(f"The proof's htm does not match the request's method {method}.")
    wanted = {normalized_uri(uri) for uri in uris}
    if normalized_uri(claims["htu"]) not in wanted:
        raise InvalidProof("The proof's htu does not match the URL of the request.")
    if nonce_valid is not None and not nonce_valid(claims.get("nonce")):
        raise NonceRequired("Make the proof again with the nonce of the DPoP-Nonce header (RFC 9449 §8).")
    now = time.time() if now is None else now
    if not now - max_age_seconds - leeway_seconds <= claims["iat"] <= now + leeway_seconds:
        raise InvalidProof(
            f"The proof's iat is not within the last {max_age_seconds:g} seconds; make a new one."
        )
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(ath, access_token_hash(access_token)):
            raise InvalidProof("The proof's ath is missing or is not the hash of the access token.")
    return Proof(jkt=jwk_thumbprint(_header["jwk"]), jti=claims["jti"], iat=int(claims["iat"]), claims=claims)


def proof_remembered_until(proof: Proof, *, max_age_seconds: float, leeway_seconds: float) -> int:
    """Until when (epoch seconds) a replay memory must keep the proof's ``jti``: the last
    moment ``proof_verify`` would still accept its ``iat``."""
    return math.ceil(proof.iat + max_age_seconds + leeway_seconds) + 1


def token_binding_check(claims: dict, proof: Proof | None) -> None:
    """A token bound to a key (``cnf.jkt``) passes only with a proof by that key; an unbound
    token only without one. Raises InvalidBinding otherwise (RFC 9449 §7.1)."""
    bound_to = bound_key(claims)
    if proof is None:
        if bound_to is not None:
            raise InvalidBinding(
                "This access token is DPoP-bound: send it as 'Authorization: DPoP' with a proof."
            )
        return
    if bound_to is None:
        raise InvalidBinding("This access token is not DPoP-bound; send it as 'Authorization: Bearer'.")
    if not hmac.compare_digest(bound_to, proof.jkt):
        raise InvalidBinding("The DPoP proof is signed by another key than the one the token is bound to.")


def bound_key(claims: dict) -> str | None:
    """The thumbprint a token is bound to (``cnf.jkt``, RFC 9449 §6.1), or None."""
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    return jkt if isinstance(jkt, str) else None


def dpop_token(authorization: bytes) -> str | None:
    """The token of an ``Authorization: DPoP <token>`` header (RFC 9449 §7.1); None when the
    header is absent or another scheme. Raises MalformedAuthorization (an InvalidToken) for
    ``DPoP`` followed by anything but one ASCII token."""
    return scheme_token(authorization, "DPoP")


def dpop_challenge(algorithms: tuple[str, ...] = PROOF_ALGORITHMS, **params: str | None) -> str:
    """``WWW-Authenticate: DPoP …`` (RFC 9449 §7.1): ``params`` (error, error_description) in
    order, then ``algs``. Values are quoted-strings of printable ASCII."""
    values = {**params, "algs": " ".join(algorithms)}
    return "DPoP " + ", ".join(
        f"{name}={quoted_string(value)}" for name, value in values.items() if value is not None
    )
