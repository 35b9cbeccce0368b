"""The token server: grant, client authentication (secrets, keys and assertions), token checks
and proofs of possession."""
