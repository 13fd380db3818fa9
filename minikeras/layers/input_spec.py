"""InputSpec: what a layer accepts, checked before every call."""


class InputSpec:
    """The rank and sizes a layer's input must have.

    ndim / min_ndim / max_ndim: the rank, exactly or as bounds.
    axes: {axis: size} for axes whose size is fixed (Dense: {-1: input_dim}).
    shape: a full shape, None entries matching anything.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.name, self.optional = name, optional

    def check(self, shape, layer_name, index=0):
        """Raises ValueError, naming the layer and both shapes, if ``shape`` does not fit."""
        shape = tuple(shape)
        where = f'Input {index} of layer "{layer_name}" is incompatible with the layer:'
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(f"{where} expected ndim={self.ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(f"{where} expected min_ndim={self.min_ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(f"{where} expected max_ndim={self.max_ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        for axis, size in self.axes.items():
            received = shape[axis] if -rank <= axis < rank else None
            if size is not None and received not in (size, None):
                raise ValueError(f"{where} expected axis {axis} of input shape to have value "
                                 f"{size}, but received input with shape {shape}")
        if self.shape is not None:
            for expected, received in zip(self.shape, shape, strict=True):
                if expected is not None and received not in (expected, None):
                    raise ValueError(f"{where} expected shape={self.shape}, found "
                                     f"shape={shape}")

    def __repr__(self):
        fields = {"ndim": self.ndim, "min_ndim": self.min_ndim, "max_ndim": self.max_ndim,
                  "axes": self.axes or None, "shape": self.shape}
        return "InputSpec(" + ", ".join(f"{k}={v}" for k, v in fields.items() if v) + ")"
