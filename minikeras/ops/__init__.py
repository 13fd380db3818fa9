"""Every differentiable operation of minikeras, named like ``keras.ops``.

Each op is a Function subclass with ``forward`` and ``backward`` side by side
(read ``math.py`` first, then ``activation.py``), plus a plain function that
applies it: ``ops.exp(x)``, ``ops.matmul(a, b)``, ``ops.softmax(x, axis=-1)``.
Ops take Tensors, arrays or numbers and return Tensors. Given a KerasTensor
(from ``keras.Input``), each one records an operation in the functional graph
instead of computing (``function_operations.py``).

The heavy ops (matrix products, convolution, pooling, batch normalization,
ReLU) each come twice: a plain version here, the textbook forward and
backward on one screen, and a fast twin in ``fast/`` computing the same
(tested against the plain one), in cache-sized pieces on every core. The
functions (``ops.conv``, ``ops.max_pool``...) and the layers run the fast one.
"""

from . import image
from .activation import (
    elu,
    gelu,
    hard_sigmoid,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)
from .convolution import conv, fused_conv
from .cross_entropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from .function_operations import accept_keras_tensors_in as _accept_keras_tensors_in
from .gather import repeat, take
from .grouped_convolution import depthwise_conv
from .linalg import fused_dense, matmul
from .logic import (
    all,
    any,
    ceil,
    convert_to_tensor,
    equal,
    floor,
    greater,
    greater_equal,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    not_equal,
    one_hot,
    ones_like,
    round,
    sign,
    zeros_like,
)
from .math import (
    abs,
    absolute,
    add,
    cast,
    clip,
    divide,
    divide_no_nan,
    erf,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    rsqrt,
    sqrt,
    square,
    subtract,
    true_divide,
    where,
)
from .normalization import batch_normalization, fused_batch_normalization
from .padding import pad
from .pooling import average_pool, max_pool
from .random import dropout
from .ranking import in_top_k, top_k
from .reduction import argmax, argmin, logsumexp, max, mean, min, normalize, std, sum, var
from .reshaping import (
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    reshape,
    shape,
    squeeze,
    stack,
    transpose,
)
from .standardization import layer_normalization
from .transposed_convolution import conv_transpose

# Keep this last: every public function imported above, and those of ops.image, also
# accept KerasTensors.
_accept_keras_tensors_in(globals())
_accept_keras_tensors_in(vars(image), defined_in=image.__name__)
