"""The token server: grant, client authentication, token checks and proofs of possession."""
