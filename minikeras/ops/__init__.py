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

from . import image, linalg
from .activation import (
    elu,
    gelu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    sparsemax,
    swish,
    tanh,
)
from .convolution import conv, fused_conv
from .creation import arange, array, eye, full, identity, linspace, ones, tri, zeros
from .cross_entropy import (
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)
from .einsum import einsum
from .function_operations import accept_keras_tensors_in as _accept_keras_tensors_in
from .gather import repeat, roll, take, take_along_axis
from .grouped_convolution import depthwise_conv
from .linalg import (
    diag,
    diagonal,
    dot,
    fused_dense,
    inner,
    matmul,
    norm,
    outer,
    tensordot,
    trace,
    tril,
    triu,
    vdot,
)
from .logic import (
    all,
    any,
    ceil,
    convert_to_numpy,
    convert_to_tensor,
    count_nonzero,
    equal,
    floor,
    full_like,
    greater,
    greater_equal,
    isclose,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    not_equal,
    one_hot,
    ones_like,
    round,
    sign,
    stop_gradient,
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
    exp2,
    expm1,
    floor_divide,
    log,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    power,
    reciprocal,
    rsqrt,
    sqrt,
    square,
    subtract,
    true_divide,
    where,
)
from .namespaces import publish as _publish
from .normalization import batch_normalization, fused_batch_normalization
from .padding import pad
from .pooling import average_pool, max_pool
from .random import dropout
from .ranking import argsort, in_top_k, sort, top_k
from .reduction import (
    amax,
    amin,
    argmax,
    argmin,
    cumprod,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    moments,
    normalize,
    prod,
    std,
    sum,
    var,
)
from .reshaping import (
    broadcast_to,
    concatenate,
    expand_dims,
    flip,
    getitem,
    hstack,
    moveaxis,
    ravel,
    reshape,
    shape,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
    unstack,
    vstack,
)
from .standardization import layer_normalization
from .transposed_convolution import conv_transpose
from .trigonometry import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cos,
    cosh,
    sin,
    sinh,
    tan,
)

# Keep this last: every public function imported above, and those of ops.image, also
# accept KerasTensors; Keras's namespaces then hold those functions.
_accept_keras_tensors_in(globals())
_accept_keras_tensors_in(vars(image), defined_in=image.__name__)
_publish(vars(linalg), "keras.ops.linalg")
from . import nn, numpy  # noqa: E402  isort: skip
