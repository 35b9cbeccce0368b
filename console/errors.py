"""Twilio's error body ``{"code", "message", "more_info", "status"}``, shared by every API edge."""

# Twilio's own codes for these conditions, so that helper libraries and people reading
# Twilio's error pages find the right explanation.
TWILIO_CODE_FOR_STATUS = {
    400: 20001,  # Invalid parameter
    401: 20003,  # Authentication error
    403: 20403,  # Forbidden
    404: 20404,  # Not found
    405: 20004,  # Method not allowed
    413: 20001,
    415: 20001,
    429: 20429,  # Too many requests
    500: 20500,  # Internal server error
    503: 20503,  # Service unavailable
}


def twilio_error(status: int, message: str, code: int | None = None) -> dict:
    code = code or TWILIO_CODE_FOR_STATUS.get(status, 20001)
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
