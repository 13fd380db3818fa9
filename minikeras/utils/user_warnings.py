"""Warnings shown on the user's line, however deep inside minikeras they are raised.

A fixed ``stacklevel`` breaks whenever a frame is added between the user and the
warning (the layers' metaclass adds one to every constructor); ``warn`` counts the
frames instead, up to the first one outside the package.
"""

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../minikeras


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)``, located at the first caller outside minikeras."""
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
