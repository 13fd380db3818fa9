"""``keras.ops.nn``: the neural-network functions of ``minikeras.ops`` (relu, softmax, conv,
max_pool, moments, one_hot...) under Keras's path; each is the function of ``minikeras.ops``."""

from .namespaces import publish as _publish

_publish(globals(), "keras.ops.nn")
