"""Pictures in and out, as ``keras.utils``: load_img, img_to_array, array_to_img, save_img.

They go through Pillow (``pip install 'minikeras[image]'``), imported only when
one of them is called: ``import minikeras`` does not need it.
"""

import io
import pathlib
import warnings

import numpy as np

from .. import backend
from .file_utils import atomic_write

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def pil_image():
    """Pillow's ``PIL.Image`` module, or an ImportError saying how to install it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("Reading and writing pictures needs Pillow: install it with "
                          "`pip install 'minikeras[image]'` (or `pip install pillow`).") from error
    return Image


def _data_format(data_format):
    value = backend.image_data_format() if data_format is None else str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return value


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A picture file as a PIL Image.

    path: a path or an ``io.BytesIO``.
    color_mode: "rgb", "rgba" or "grayscale" (the picture is converted to it).
    target_size: None (as stored) or (height, width) to resize to, with
        ``interpolation`` (one of INTERPOLATIONS); keep_aspect_ratio: crop the
        centre to the target's aspect ratio first, so nothing is stretched.
    """
    image_module = pil_image()
    if color_mode not in COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if isinstance(path, io.BytesIO):
        img = image_module.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as file:
            img = image_module.open(io.BytesIO(file.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    wanted = COLOR_MODES[color_mode]
    if img.mode != wanted and not (color_mode == "grayscale" and img.mode in ("I;16", "I")):
        img = img.convert(wanted)
    if target_size is None or img.size == (target_size[1], target_size[0]):
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(INTERPOLATIONS)}")
    resample = getattr(image_module.Resampling, interpolation.upper())
    size = (target_size[1], target_size[0])  # Pillow's (width, height)
    return img.resize(size, resample, box=_centre_box(img.size, size) if keep_aspect_ratio
                      else None)


def _centre_box(size, target):
    """The largest centred (left, top, right, bottom) box of ``size`` = (width, height) with
    the aspect ratio of ``target`` = (width, height)."""
    width, height = size
    crop_width = min(width, height * target[0] // target[1])
    crop_height = min(height, width * target[1] // target[0])
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return [left, top, left + crop_width, top + crop_height]


def img_to_array(img, data_format=None, dtype=None):
    """A PIL Image as a 3-D array: (height, width, channels), or channels first, in ``dtype``
    (default floatx), pixel values as stored (0-255 for 8-bit pictures)."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array (height, width, 1, 3 or 4 channels; or channels first) as a PIL Image.

    scale: stretch the values to 0-255 first (the smallest to 0, the largest to 255);
        otherwise they are taken as 0-255 already.
    """
    image_module = pil_image()
    x = np.array(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        if np.max(x) != 0:
            x /= np.max(x)
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit grayscale
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes the 3-D array ``x`` as a picture; the format comes from the file's extension
    unless ``file_format`` names it (needed for a file object). kwargs go to Pillow's save.
    A file is written whole or not at all (through a temporary file renamed over it)."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    if isinstance(path, (str, pathlib.Path)):
        atomic_write(path, lambda stream: img.save(stream, format=file_format, **kwargs))
    else:
        img.save(path, format=file_format, **kwargs)
