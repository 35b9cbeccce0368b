"""DPoP proofs for the benchmark: one client key (ES256, the common choice), and files of
fresh single-use proofs that bench/lua/dpop.lua sends, one per request.

A proof is accepted once and only for a minute, so wrk cannot replay one request: each run
gets its own proofs, made just before it, one file per wrk thread. A run that outlasts its
file sends its last proof again; those replays are refused and counted as errors.
"""

import base64
import hashlib
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

# Proofs per wrk thread and second of run: above what two cores serve on either DPoP path.
PROOFS_PER_THREAD_SECOND = 1500
WRK_THREADS = 2  # bench/run.py's run_wrk uses at most two threads


class ProofMaker:
    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)

    def proof(self, htm: str, htu: str, access_token: str | None = None) -> str:
        claims = {"jti": uuid.uuid4().hex, "htm": htm, "htu": htu, "iat": int(time.time())}
        if access_token is not None:
            digest = hashlib.sha256(access_token.encode()).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return jwt.encode(
            claims, self.private_key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self.jwk}
        )

    def write_files(
        self, prefix: Path, seconds: float, *, htm: str, htu: str, access_token: str | None
    ) -> None:
        """``<prefix>.0`` and ``<prefix>.1``: proofs for each wrk thread, one a line."""
        count = int(PROOFS_PER_THREAD_SECOND * (seconds + 1))
        for thread in range(WRK_THREADS):
            lines = (self.proof(htm, htu, access_token) for _ in range(count))
            Path(f"{prefix}.{thread}").write_text("\n".join(lines) + "\n")
