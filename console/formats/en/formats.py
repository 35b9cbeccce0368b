"""Dates as the console writes them ("7 Dec 2026, 21:16:42 UTC"), for the pages that format
a date without saying how: the Django admin's lists and read-only fields."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i:s T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
TIME_FORMAT = "H:i:s"
