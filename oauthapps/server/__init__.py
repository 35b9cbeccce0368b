"""The token server: client authentication, keys and assertions."""
