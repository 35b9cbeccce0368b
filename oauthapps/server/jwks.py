"""Public keys that clients and issuers register: RFC 7517 JWK Sets, checked and thumbprinted.

Only asymmetric signing keys are accepted: RSA of 2048 bits or more, EC on P-256 or P-384,
and Ed25519. A symmetric key (``kty`` ``oct``) would make a "public" key a shared secret,
and a JWK carrying private members (``d``, ``p``, ``q``, …) means the private key left its
owner: both are refused with a message naming the key and the member. Pure functions on
PyJWT and cryptography; no Django.
"""

import base64
import hashlib
import json
from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms

# RFC 7518 §6.2.2 / §6.3.2 / RFC 8037 §2: members that only a private or symmetric key has.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
EDDSA_SUPPORTED = "EdDSA" in get_default_algorithms()
# The algorithms a client assertion may be signed with; never "none", never HMAC.
ASSERTION_ALGORITHMS = ("RS256", "PS256", "ES256", "ES384", *(("EdDSA",) if EDDSA_SUPPORTED else ()))
CURVES = {"P-256": ("ES256",), "P-384": ("ES384",)}
MIN_RSA_BITS = 2048
MAX_KEYS = 10  # "few": an assertion without kid is tried against each of them
# RFC 7638 §3.2: the required members of each key type, the only ones a thumbprint hashes.
THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


class InvalidJwk(ValueError):
    """A JWK or JWK Set that may not be registered; the message names the key and the reason."""


def _b64_length_bits(value: str) -> int:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return int.from_bytes(raw, "big").bit_length()


def algorithms_for_key(jwk: dict) -> tuple[str, ...]:
    """The assertion algorithms a validated JWK can verify (its own ``alg`` when it names one)."""
    kty = jwk.get("kty")
    if kty == "RSA":
        possible = ("RS256", "PS256")
    elif kty == "EC":
        possible = CURVES.get(jwk.get("crv"), ())
    elif kty == "OKP" and EDDSA_SUPPORTED:
        possible = ("EdDSA",)
    else:
        possible = ()
    if "alg" in jwk:
        return tuple(alg for alg in possible if alg == jwk["alg"])
    return possible


def jwk_validate(jwk: Any, *, label: str = "key") -> dict:
    """The JWK itself if it is a public signing key we accept; raises InvalidJwk naming why."""
    if not isinstance(jwk, dict):
        raise InvalidJwk(f"{label} is not a JSON object.")
    private = [member for member in PRIVATE_MEMBERS if member in jwk]
    kty = jwk.get("kty")
    if kty == "oct":
        raise InvalidJwk(f"{label} is a symmetric key (kty 'oct'); register public keys only (RSA, EC, OKP).")
    if private:
        raise InvalidJwk(
            f"{label} contains private key members ({', '.join(private)}); register the public key only "
            "and keep the private key with the client."
        )
    if kty not in THUMBPRINT_MEMBERS or (kty == "OKP" and not EDDSA_SUPPORTED):
        raise InvalidJwk(f"{label} has kty {str(kty)[:20]!r}; use RSA, EC (P-256, P-384) or OKP (Ed25519).")
    missing = [member for member in THUMBPRINT_MEMBERS[kty] if not isinstance(jwk.get(member), str)]
    if missing:
        raise InvalidJwk(f"{label} lacks the member(s) {', '.join(missing)}.")
    if jwk.get("use", "sig") != "sig":
        raise InvalidJwk(f"{label} has use {str(jwk['use'])[:20]!r}; a client assertion key has use 'sig'.")
    if "kid" in jwk and (not isinstance(jwk["kid"], str) or not jwk["kid"] or len(jwk["kid"]) > 200):
        raise InvalidJwk(f"{label} has a kid that is not a non-empty string of at most 200 characters.")
    if kty == "EC" and jwk["crv"] not in CURVES:
        raise InvalidJwk(f"{label} is on curve {jwk['crv'][:20]!r}; use P-256 or P-384.")
    if kty == "OKP" and jwk["crv"] != "Ed25519":
        raise InvalidJwk(f"{label} is on curve {jwk['crv'][:20]!r}; use Ed25519.")
    if "alg" in jwk and jwk["alg"] not in ASSERTION_ALGORITHMS:
        raise InvalidJwk(
            f"{label} has alg {str(jwk['alg'])[:20]!r}; use one of {', '.join(ASSERTION_ALGORITHMS)}."
        )
    if not algorithms_for_key(jwk):
        raise InvalidJwk(f"{label}: its alg {jwk.get('alg')!r} does not fit its key type {kty}.")
    try:
        if kty == "RSA" and _b64_length_bits(jwk["n"]) < MIN_RSA_BITS:
            raise InvalidJwk(f"{label} is an RSA key shorter than {MIN_RSA_BITS} bits.")
        jwt.PyJWK(jwk, algorithms_for_key(jwk)[0])  # parses it: a point on the curve, a valid modulus
    except InvalidJwk:
        raise
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidJwk(f"{label} is not a valid {kty} public key ({type(exc).__name__}).") from exc
    return jwk


def jwk_set_validate(value: Any) -> dict:
    """An RFC 7517 JWK Set (``{"keys": [...]}``) of 1 to MAX_KEYS acceptable public keys, kids
    unique; returned as given. Raises InvalidJwk."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise InvalidJwk('jwks must be a JWK Set: a JSON object {"keys": [ ... ]}.')
    keys = value["keys"]
    if not 1 <= len(keys) <= MAX_KEYS:
        raise InvalidJwk(f"jwks must hold from 1 to {MAX_KEYS} keys; it holds {len(keys)}.")
    validated = [jwk_validate(jwk, label=f"jwks key {index + 1}") for index, jwk in enumerate(keys)]
    kids = [jwk["kid"] for jwk in validated if "kid" in jwk]
    if len(kids) != len(set(kids)):
        raise InvalidJwk("jwks has two keys with the same kid; give each key its own kid.")
    return {"keys": validated}


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url): how a key is named in the audit trail."""
    members = THUMBPRINT_MEMBERS.get(jwk.get("kty"), ())
    canonical = json.dumps(
        {name: jwk[name] for name in members if name in jwk}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def jwk_set_thumbprints(value: dict | None) -> list[str]:
    """The thumbprints of a JWK Set's keys, in order (``[]`` for none)."""
    return [jwk_thumbprint(jwk) for jwk in (value or {}).get("keys", [])]


def usable_keys(value: dict) -> list[tuple[dict, Any, tuple[str, ...]]]:
    """``(jwk, verification key, algorithms)`` for each key of a JWK Set that we accept,
    skipping the others: an issuer's set may also hold encryption or unsupported keys."""
    usable = []
    for jwk in value.get("keys", []) if isinstance(value, dict) else []:
        try:
            jwk_validate(jwk)
        except InvalidJwk:
            continue
        algorithms = algorithms_for_key(jwk)
        usable.append((jwk, jwt.PyJWK(jwk, algorithms[0]).key, algorithms))
    return usable
