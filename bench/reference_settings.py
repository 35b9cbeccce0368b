"""The product's settings with bench/reference.py's urlconf: the references of `make bench`
get every middleware and setting the product has, and exist only in the benchmark."""

from config.settings import *  # noqa: F403 - the product's settings, whole

ROOT_URLCONF = "bench.reference"
