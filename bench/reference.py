"""The two Django references of `make bench`: the cheapest DRF POST and Django GET there are.

Served by bench/reference_settings.py (the product's settings, middleware included, with
this urlconf in front) under the same gunicorn settings as the product. Token issuance is
reported as a ratio to ``drf_post`` (a form parsed by DRF's FormParser, a tiny JSON back),
the gateway check as a ratio to ``django_get``: what the framework costs per request is
measured in the same run, and only the work above it is ours. Never routed by the product:
only the benchmark's settings module names this urlconf.
"""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class DrfPost(APIView):
    """Parses the form as the token endpoint receives it and answers a small JSON body."""

    parser_classes = [FormParser]
    renderer_classes = [JSONRenderer]
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def post(self, request):
        return Response({"grant_type": request.data.get("grant_type", "")})


def django_get(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("bench/drf-post", DrfPost.as_view()),
    path("bench/django-get", django_get),
    path("", include("config.urls")),
]
