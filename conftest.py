"""Settings shared by tests/ and parity_tests/: hypothesis profiles.

MINIKERAS_HYPOTHESIS_PROFILE=ci (the default) draws few examples, in a fixed
order, so `make test` stays fast and repeatable; =thorough draws many, at
random, for long local runs; =report draws three, in a fixed order, for the
parity report. Either way a failing example is printed with the line that
replays it.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "report",
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("MINIKERAS_HYPOTHESIS_PROFILE", "ci"))
