"""Monitor v1 Events API: the audit trail over HTTP, on Twilio's paths and payloads."""
