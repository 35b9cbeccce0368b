"""Signing a token's claims: RS256 vs ES256 with PyJWT, and jwt.encode vs a prepared signer.

    .venv/bin/python bench/sign_ab.py --rounds 7 --signs 500

CPU microseconds per signature (``time.process_time``), medians of alternating rounds, and
the verification cost of each (what every resource server pays per token).
"""

import argparse
import base64
import json
import statistics
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CLAIMS = {
    "iss": "https://oauth.example.com",
    "sub": "OQ" + "0" * 32,
    "aud": "https://api.example.com",
    "client_id": "OQ" + "0" * 32,
    "account_sid": "AC" + "0" * 32,
    "scope": "/twilio/iam/account-oauth-apps/read /twilio/iam/account-oauth-apps/list",
    "iat": 1_700_000_000,
    "nbf": 1_700_000_000,
    "exp": 1_700_003_600,
    "jti": uuid.uuid4().hex,
    "secret_tag": "abcdefgh12345678",
}
HEADERS = {"kid": "k" * 43, "typ": "at+jwt"}


def prepared(algorithm: str, key):
    """The header segment encoded once, the algorithm object looked up once."""
    signer = jwt.algorithms.get_default_algorithms()[algorithm]
    header = {"alg": algorithm, **HEADERS}
    segment = base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=")

    def sign(claims: dict) -> str:
        payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=")
        signing_input = segment + b"." + payload
        signature = base64.urlsafe_b64encode(signer.sign(signing_input, key)).rstrip(b"=")
        return (signing_input + b"." + signature).decode()

    return sign


def cpu_us(call, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - started) * 1e6 / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--signs", type=int, default=500)
    args = parser.parse_args()
    keys = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
    }
    calls = {}
    for algorithm, key in keys.items():
        token = jwt.encode(CLAIMS, key, algorithm=algorithm, headers=HEADERS)
        public = key.public_key()
        fast = prepared(algorithm, key)
        assert jwt.decode(
            fast(CLAIMS),
            public,
            algorithms=[algorithm],
            audience=CLAIMS["aud"],
            options={"verify_exp": False},
        )
        calls[f"{algorithm} jwt.encode"] = lambda k=key, a=algorithm: jwt.encode(
            CLAIMS, k, algorithm=a, headers=HEADERS
        )
        calls[f"{algorithm} prepared"] = lambda f=fast: f(CLAIMS)
        calls[f"{algorithm} verify"] = lambda t=token, p=public, a=algorithm: jwt.decode(
            t, p, algorithms=[a], audience=CLAIMS["aud"], options={"verify_exp": False}
        )
    results = {name: [] for name in calls}
    for number in range(args.rounds):
        names = list(calls) if number % 2 == 0 else list(reversed(calls))
        for name in names:
            results[name].append(cpu_us(calls[name], args.signs))
    for name, values in results.items():
        median = statistics.median(values)
        print(
            f"{name:<20} {median:8.1f} us CPU  ({1e6 / median:8.0f}/s per core)"
            f"  rounds {min(values):.0f}-{max(values):.0f}"
        )


if __name__ == "__main__":
    main()
