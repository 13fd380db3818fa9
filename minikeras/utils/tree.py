"""Nested structures (lists, tuples, dicts of tensors) flattened and mapped over.

Layers and models accept one tensor, a list of them or a dict of them; these
two functions let the code treat all three the same way.
"""

import numbers


def flatten(structure):
    """The leaves of a nest of lists, tuples and dicts (dicts in key order), in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """The same nest with ``fn`` applied to every leaf."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_shape(value):
    """Whether ``value`` is one shape (a tuple or list of ints and Nones), not a nest of shapes.

    NumPy integers count as ints (``(None, np.prod(image_shape))``).
    """
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, numbers.Integral) for d in value
    )


def map_shapes(fn, shapes):
    """``fn`` applied to each shape in ``shapes``: one shape, or a list/dict of shapes."""
    if is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {key: map_shapes(fn, value) for key, value in shapes.items()}
    return type(shapes)(map_shapes(fn, s) for s in shapes)
