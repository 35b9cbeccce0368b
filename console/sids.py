"""Twilio-style SIDs: a two-letter prefix and 32 lowercase hex characters."""

import re
import secrets

SID_HEX_LENGTH = 32


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(SID_HEX_LENGTH // 2)


def sid_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{prefix}[0-9a-f]{{{SID_HEX_LENGTH}}}$")


def is_sid(value: object, prefix: str) -> bool:
    return isinstance(value, str) and sid_pattern(prefix).match(value) is not None
