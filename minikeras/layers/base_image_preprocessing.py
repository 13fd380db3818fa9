"""BaseImagePreprocessingLayer: what the image preprocessing and augmentation layers share.

As in Keras, each call is two steps: ``get_random_transformation`` draws what
to do to each image of the batch (a flip or not, an angle, a zoom...) and
``transform_images`` does it. A random layer draws only when training, so
``predict`` and ``evaluate`` pass images through unchanged; like Keras, its
``call`` defaults to training=True, so calling the layer directly on images
(outside a model) augments them.
"""

import numbers

from .. import backend, ops
from .arguments import data_format_argument, number_argument, spatial_axes
from .input_spec import InputSpec
from .layer import Layer
from .seeded import LayerGenerator


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image layers: data format, batches of images or one image, seeds.

    images: (batch, height, width, channels) or one (height, width, channels)
        image; channels first with data_format="channels_first".
    seed: for the random layers, an int gives the layer its own generator (its
        draws repeat run after run); None draws from the backend's generator
        (seeded by ``utils.set_random_seed``).
    """

    def __init__(self, data_format=None, seed=None, bounding_box_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if bounding_box_format is not None:
            raise ValueError(f"{name}: minikeras transforms images only, not bounding boxes; "
                             f"pass bounding_box_format=None. Received: "
                             f"bounding_box_format={bounding_box_format!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{name}: `seed` must be an int or None. Received: seed={seed!r}")
        self.data_format = data_format_argument(data_format, name)
        self.seed = seed
        self._generator = LayerGenerator(seed)
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)
        self._build_at_init()

    def call(self, inputs, training=True):
        batched = len(inputs.shape) == 4
        images = inputs if batched else ops.expand_dims(inputs, 0)
        transformation = self.get_random_transformation(images, training=training)
        outputs = self.transform_images(images, transformation, training=training)
        return outputs if batched else ops.squeeze(outputs, 0)

    def get_random_transformation(self, images, training=True, seed=None):
        """What to do to each image of the batch (a dict of arrays), or None: nothing."""
        return None

    def transform_images(self, images, transformation, training=True):
        """The batch of images transformed as ``transformation`` says. Override it."""
        return images

    def image_size(self, images):
        """(height, width) of a batch of images in this layer's data format."""
        height_axis, width_axis = spatial_axes(self.data_format, 2)
        return images.shape[height_axis], images.shape[width_axis]

    def uniform(self, shape, low, high, seed=None):
        """float32 draws, uniform in [low, high), from the layer's generator (or ``seed``: an
        int or a generator from ``backend.make_device_rng``)."""
        if seed is None:
            generator = self._generator.get()
        else:
            generator = backend.make_device_rng(seed) if isinstance(seed, int) else seed
        return low + (high - low) * generator.random(tuple(shape), dtype="float32")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class BaseAffineLayer(BaseImagePreprocessingLayer):
    """Base class of the layers that move pixels (RandomTranslation, RandomRotation,
    RandomZoom): each image is read through a transform by ``ops.image.affine_transform``.

    fill_mode: how pixels from outside the image are filled: "reflect",
        "wrap", "constant" (with ``fill_value``) or "nearest" (the edge).
    interpolation: "bilinear" or "nearest".
    The gradient with respect to the images is the exact adjoint of the resampling.
    """

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        name = type(self).__name__
        self.fill_mode = choice_argument(fill_mode, "fill_mode", name,
                                         ops.image.AFFINE_TRANSFORM_FILL_MODES)
        self.interpolation = choice_argument(interpolation, "interpolation", name,
                                             ops.image.AFFINE_TRANSFORM_INTERPOLATIONS)
        self.fill_value = number_argument(fill_value, "fill_value", name)

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        matrix = self.transform_matrix(transformation, images)  # (batch, 8)
        return ops.image.affine_transform(images, matrix, self.interpolation, self.fill_mode,
                                          self.fill_value, self.data_format)

    def transform_matrix(self, transformation, images):
        """The (batch, 8) rows of ``ops.image.affine_transform`` for ``transformation``."""
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}


def factor_argument(factor, name, layer, low=-1.0, high=1.0, low_included=True):
    """(lower, upper) from a ``factor`` as Keras's augmentation layers take it: one number f
    (the range (-f, f), cut at ``low``) or two (sorted), each within [low, high]."""
    numbers_given = list(factor) if isinstance(factor, (tuple, list)) else [factor]
    if len(numbers_given) not in (1, 2) or not all(_inside(f, low, high, low_included)
                                                   for f in numbers_given):
        bound = "[" if low_included else "("
        raise ValueError(f"{layer}: `{name}` must be a number (or a list of two numbers) in "
                         f"the range {bound}{low}, {high}]. Received: {name}={factor!r}")
    if len(numbers_given) == 2:
        return tuple(sorted(float(f) for f in numbers_given))
    magnitude = abs(float(numbers_given[0]))
    return max(-magnitude, low), magnitude


def _inside(value, low, high, low_included):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        return False
    return (low <= value if low_included else low < value) and value <= high


def value_range_argument(value_range, layer):
    """``value_range`` checked to be two numbers, the range of the images' pixel values."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or not all(
            _inside(v, -float("inf"), float("inf"), True) for v in value_range):
        raise ValueError(f"{layer}: `value_range` must be a list of two numbers, the lowest "
                         f"and highest pixel value. Received: value_range={value_range!r}")
    return value_range


def choice_argument(value, name, layer, choices):
    """``value`` checked to be one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{layer}: `{name}` must be one of {choices}. Received: "
                         f"{name}={value!r}")
    return value
