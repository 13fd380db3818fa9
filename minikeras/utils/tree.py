"""Nested structures (lists, tuples, dicts of tensors) flattened and mapped over.

Layers and models accept one tensor, a list of them or a dict of them (or a
nest of these); these functions let the code treat them all the same way.
Dicts are visited in the order of their sorted keys, as Keras's ``tree`` does,
and a namedtuple stays the namedtuple it was.
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
        return _same_sequence(structure, [map_structure(fn, item) for item in structure])
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_nested(structure):
    """Whether ``structure`` is a list, tuple or dict (rather than a leaf)."""
    return isinstance(structure, (list, tuple, dict))


def pack_sequence_as(structure, flat):
    """The leaves ``flat`` (in ``flatten`` order) arranged in the nest of ``structure``.

    Raises ValueError unless ``flat`` holds as many leaves as ``structure``.
    """
    flat = list(flat)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(f"Cannot arrange {len(flat)} values in a structure of {expected} "
                         f"leaves: {map_structure(lambda _: '*', structure)}.")
    leaves = iter(flat)

    def pack(node):
        if isinstance(node, dict):
            packed = {key: pack(node[key]) for key in sorted(node)}
            return {key: packed[key] for key in node}
        if isinstance(node, (list, tuple)):
            return _same_sequence(node, [pack(item) for item in node])
        return next(leaves)

    return pack(structure)


def _same_sequence(sequence, items):
    """``items`` in a container of the type of ``sequence`` (a list, tuple or namedtuple)."""
    if isinstance(sequence, list):
        return items
    if hasattr(sequence, "_fields"):  # a namedtuple
        return type(sequence)(*items)
    return tuple(items)


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
