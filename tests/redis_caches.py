"""Pointing one of the project's caches at a Redis (or at a closed port) in a test."""


def use_redis_cache(settings, alias: str, url: str) -> None:
    """``settings.CACHES[alias]`` becomes a Redis cache at ``url``, with short timeouts so
    that a closed port (Redis "down") fails fast instead of hanging the test."""
    settings.CACHES = {
        **settings.CACHES,
        alias: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
