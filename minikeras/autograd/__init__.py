"""Reverse-mode automatic differentiation: Tensor, Function, backward, no_grad, gradcheck.

``plot_graph(loss, "graph.png")`` draws the graph ``backward()`` walks.
"""

# tensor first: it imports the ops for its operators, and they need Function.
from .tensor import Tensor, sum_to  # isort: skip
from .function import Function, is_grad_enabled, no_grad  # isort: skip
from .gradcheck import GradcheckError, gradcheck  # isort: skip
from .graph import plot_graph, trace_graph  # isort: skip

__all__ = [
    "Function",
    "GradcheckError",
    "Tensor",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "plot_graph",
    "sum_to",
    "trace_graph",
]
