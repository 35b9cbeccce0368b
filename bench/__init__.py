"""The benchmark behind `make bench` (see docs/performance.md). Not part of the product."""
