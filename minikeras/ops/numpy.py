"""``keras.ops.numpy``: the NumPy-like functions of ``minikeras.ops`` (add, mean, reshape,
take, cumsum, einsum...) under Keras's path; each is the function of ``minikeras.ops``."""

from .namespaces import publish as _publish

_publish(globals(), "keras.ops.numpy")
