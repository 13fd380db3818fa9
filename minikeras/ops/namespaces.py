"""Keras's namespaces of the ops: ``keras.ops.nn``, ``keras.ops.numpy``, ``keras.ops.linalg``.

Keras files each function of ``keras.ops`` under one of them as well
(``keras.ops.nn.relu is keras.ops.relu``). minikeras does the same from
Keras's own list of names (``minikeras/keras_api.py``), so a function
added to ``minikeras.ops`` appears in its namespace without another line.
"""

import sys

from ..keras_api import NAMES


def publish(namespace, keras_module):
    """Puts into ``namespace`` (a module's globals) each function of ``minikeras.ops`` that
    Keras lists in ``keras_module`` ("keras.ops.nn"): the very same function."""
    ops = sys.modules[__package__]
    for name in NAMES[keras_module]:
        function = vars(ops).get(name)
        if callable(function):
            namespace[name] = function
