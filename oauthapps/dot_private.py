"""Every use of django-oauth-toolkit's private methods, in one place, for the versions in CHECKED_DOT.

Our validator stores the issued token itself (one ``INSERT`` instead of DOT's ORM save in
a transaction block: docs/performance.md), so it skips DOT's ``_save_bearer_token`` and
with it the RFC 8707 handling DOT does there. That handling is a private method,
``OAuth2Validator._check_and_set_request_resource``: it turns the ``resource`` parameter
(oauthlib keeps only the last of repeated body parameters) into the list of every
``resource`` sent, and answers ``invalid_target`` for one that is not an absolute URI.
Calling it keeps our resource indicators exactly DOT's rather than a second copy.

DOT may rename or change it in any release, so it is reached only through the function
below, and tests/oauthapps/test_dot_private.py fails when the installed DOT is outside
``CHECKED_DOT`` or the method no longer behaves as relied on here: check it again, then
widen the range.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request

# The django-oauth-toolkit releases whose private method below was read and tested: [low, high).
CHECKED_DOT = ((3, 4), (3, 5))


def set_request_resources(validator: OAuth2Validator, request: Request) -> list[str]:
    """RFC 8707 as DOT does it: ``request.resource`` becomes the list of the request's
    resource indicators (``[]`` for none); raises oauthlib's ``CustomOAuth2Error``
    (``invalid_target``) for one that is not an absolute URI with a scheme and host."""
    validator._check_and_set_request_resource(request)
    return request.resource
