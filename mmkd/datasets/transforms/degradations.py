"""Degraded views of an image: what a student reads when its teacher reads the clean one.

Cross-modal and cross-resolution distillation give the teacher a privileged view of each
sample and the student a poorer one (Gupta, Hoffman & Malik, CVPR 2016, "Cross Modal
Distillation for Supervision Transfer"; Lopez-Paz, Bottou, Schölkopf & Vapnik, ICLR 2016,
"Unifying Distillation and Privileged Information"; low-resolution students). These transforms
make the poorer view as one pipeline of ``MultiViewDataset.views``; the algorithm's
``model.views`` says which model reads which view (``configs/cross_modal/``).

Each reads and writes ``results['img']`` (H x W or H x W x C, any integer or float dtype) and
keeps its dtype: integer images are rounded and clipped to their dtype's range. On a test split
use a deterministic degradation, so that every evaluation sees the same images:
:class:`Downsample`, :class:`Occlude` with ``position='center'``, or :class:`GaussianNoise`
with a ``seed``.
"""
import numbers
import zlib
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmkd.registry import TRANSFORMS
from mmkd.utils.config_errors import KDConfigError

POSITIONS = ('random', 'center')


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``values`` (float) in ``dtype``: rounded and clipped to its range if it is an integer
    type (a cast alone would wrap 256 to 0 in uint8)."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(np.rint(values), info.min, info.max)
    return values.astype(dtype)


class _Degradation(BaseTransform):
    """Shows the transform with every argument (what a teacher-output cache compares)."""

    _shown: Tuple[str, ...] = ()

    def __repr__(self) -> str:
        args = ', '.join(f'{name}={getattr(self, name)!r}' for name in self._shown)
        return f'{type(self).__name__}({args})'


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix: row i holds the share of each input pixel in the span
    ``[i * n_in / n_out, (i + 1) * n_in / n_out)`` that output pixel i covers."""
    scale = n_in / n_out
    edges = np.arange(n_out + 1) * scale
    pixels = np.arange(n_in)[None]
    overlap = np.minimum(edges[1:, None], pixels + 1) - np.maximum(edges[:-1, None], pixels)
    return np.clip(overlap, 0, None) / scale


@TRANSFORMS.register_module()
class Downsample(_Degradation):
    """Lowers the resolution to ``size`` by area averaging.

    Output pixel (i, j) of an H x W image resized to h x w is
    ``sum_{y, x} A[i, y] * B[j, x] * img[y, x]``, where ``A[i, y]`` is the fraction of the span
    of rows ``[i H / h, (i + 1) H / h)`` that row y covers (``B`` likewise for columns): the
    mean of the input area under each output pixel (OpenCV's ``INTER_AREA`` when shrinking).
    With an integer factor that is the mean of each (H / h) x (W / w) block, so an 8x8 digit
    becomes 4x4 by averaging its 2x2 blocks. Channels are resized independently.

    Args:
        size (int | Sequence[int]): the output (h, w); an int for h = w. At most the
            image's own size.
        upsample (bool): resize the h x w image back to H x W by nearest neighbour (each
            low-resolution pixel repeated over its block), for a network that needs the
            original size; it carries no more information than h x w. Defaults to False:
            the student reads h x w.
    """

    _shown = ('size', 'upsample')

    def __init__(self, size: Union[int, Sequence[int]], upsample: bool = False) -> None:
        pair = (size, size) if _is_int(size) else tuple(size) \
            if isinstance(size, (list, tuple)) else ()
        if len(pair) != 2 or not all(_is_int(s) and s > 0 for s in pair):
            raise KDConfigError(f'Downsample.size must be a positive int or a pair (h, w) of '
                                f'positive ints, got {size!r}')
        if not isinstance(upsample, bool):
            raise KDConfigError(f'Downsample.upsample must be True or False, got {upsample!r}')
        self.size, self.upsample = tuple(int(s) for s in pair), upsample

    def transform(self, results: dict) -> dict:
        img = results['img']
        (h, w), (height, width) = self.size, img.shape[:2]
        if h > height or w > width:
            raise KDConfigError(f'Downsample.size={self.size} is larger than the image '
                                f'({height}, {width}): it only lowers the resolution')
        low = np.einsum('iy,jx,yx...->ij...', _area_weights(height, h),
                        _area_weights(width, w), img.astype(np.float64))
        if self.upsample:
            rows = np.arange(height) * h // height
            cols = np.arange(width) * w // width
            low = low[rows][:, cols]
        results['img'] = _as_dtype(low, img.dtype)
        results['img_shape'] = results['img'].shape[:2]
        return results


@TRANSFORMS.register_module()
class Occlude(_Degradation):
    """Sets a ``size`` x ``size`` square of the image (every channel) to ``value``.

    Args:
        size (int): the square's side in pixels, at most the image's smaller side.
        value (float): what the square is filled with (in an integer image, within its
            dtype's range). Defaults to 0.
        position (str): ``'random'``: the square's top-left corner drawn uniformly among the
            positions where it fits, from NumPy's global generator as mmpretrain's transforms
            draw (so the run's seed, and ``ReplayableDataset``, cover it); ``'center'``: the
            middle of the image, rounded towards the top left (deterministic: for val/test).
            Defaults to ``'random'``.
    """

    _shown = ('size', 'value', 'position')

    def __init__(self, size: int, value: float = 0, position: str = 'random') -> None:
        if not (_is_int(size) and size > 0):
            raise KDConfigError(f'Occlude.size must be a positive int, got {size!r}')
        if not _is_number(value):
            raise KDConfigError(f'Occlude.value must be a number, got {value!r}')
        if position not in POSITIONS:
            raise KDConfigError(f'Occlude.position={position!r} is not valid; choose one of '
                                f'{POSITIONS}')
        self.size, self.value, self.position = int(size), value, position

    def transform(self, results: dict) -> dict:
        img = results['img'].copy()  # the input may be shared with another view
        height, width = img.shape[:2]
        if self.size > min(height, width):
            raise KDConfigError(f'Occlude.size={self.size} does not fit in the image '
                                f'({height}, {width})')
        if np.issubdtype(img.dtype, np.integer):
            info = np.iinfo(img.dtype)
            if not info.min <= self.value <= info.max:
                raise KDConfigError(f'Occlude.value={self.value!r} is outside the range of '
                                    f'{img.dtype} images [{info.min}, {info.max}]')
        if self.position == 'center':
            top, left = (height - self.size) // 2, (width - self.size) // 2
        else:
            top = np.random.randint(0, height - self.size + 1)
            left = np.random.randint(0, width - self.size + 1)
        img[top:top + self.size, left:left + self.size] = \
            _as_dtype(np.asarray(self.value, np.float64), img.dtype)
        results['img'] = img
        return results


@TRANSFORMS.register_module()
class GaussianNoise(_Degradation):
    """Adds independent Gaussian noise to every pixel: ``clip(img + std * z, low, high)``
    with ``z ~ N(0, 1)``, rounded in an integer image.

    Args:
        std (float): the noise's standard deviation in pixel units (0..255 images: ``std=64``
            is a quarter of the range). Positive.
        seed (int, optional): None: ``z`` is drawn from NumPy's global generator (the run's
            seed covers it; new noise at every epoch: for training). An int >= 0: ``z`` is a
            function of the image alone, drawn from a generator seeded by ``seed`` and a CRC32
            of the image's bytes, shape and dtype, so a test image gets the same noise at every
            evaluation (and equal images get equal noise). Defaults to None.
        value_range (Sequence[float]): ``(low, high)`` the result is clipped to. Defaults to
            (0, 255), the range of mmcv's and mmpretrain's images, uint8 or float.
    """

    _shown = ('std', 'seed', 'value_range')

    def __init__(self, std: float, seed: Optional[int] = None,
                 value_range: Sequence[float] = (0, 255)) -> None:
        if not (_is_number(std) and std > 0):
            raise KDConfigError(f'GaussianNoise.std must be a positive number, got {std!r}')
        if seed is not None and not (_is_int(seed) and seed >= 0):
            raise KDConfigError(f'GaussianNoise.seed must be None or an int >= 0, got {seed!r}')
        if not (isinstance(value_range, (list, tuple)) and len(value_range) == 2
                and all(_is_number(v) for v in value_range) and value_range[0] < value_range[1]):
            raise KDConfigError('GaussianNoise.value_range must be a pair (low, high) of '
                                f'numbers with low < high, got {value_range!r}')
        self.std, self.seed, self.value_range = std, seed, tuple(value_range)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if self.seed is None:
            z = np.random.standard_normal(img.shape)
        else:
            # zlib's CRC, not hash(): the same in every process and every Python run
            content = zlib.crc32(repr((img.shape, img.dtype.str)).encode(),
                                 zlib.crc32(np.ascontiguousarray(img).tobytes()))
            z = np.random.default_rng([self.seed, content]).standard_normal(img.shape)
        noisy = np.clip(img.astype(np.float64) + self.std * z, *self.value_range)
        results['img'] = _as_dtype(noisy, img.dtype)
        return results
