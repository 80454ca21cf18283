"""A trained classifier as an ONNX file: float, or int8 for onnxruntime's integer kernels."""
import os
import os.path as osp
import tempfile
from typing import Iterable, Optional

import numpy as np
import torch
import torch.nn as nn

from mmkd.models.quantizers import dequantized_copy, quantized_layers, settled_copy

INPUT, OUTPUT = 'inputs', 'logits'
OPSET = 18


def import_onnx_tools():
    """onnx and onnxruntime, or an error that says how to install them."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as e:
        raise ImportError(f'ONNX export needs onnx, onnxscript and onnxruntime ({e}): pip '
                          'install "mmkd[deploy]" (or pip install -r requirements/deploy.txt)'
                          ) from e


class ClassifierGraph(nn.Module):
    """What the exported graph computes: images as the test pipeline packs them (float, NCHW,
    pixel values, channels in the dataset's order) -> the classifier's data preprocessing
    (channel order, mean and std) -> logits. Deployment code then feeds images without mmpretrain.

    Args:
        model (nn.Module): an mmpretrain classifier (its ``data_preprocessor`` normalises).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        pre = model.data_preprocessor
        self.flip = bool(getattr(pre, '_channel_conversion', getattr(pre, 'to_rgb', False)))
        normalize = getattr(pre, '_enable_normalize', False)
        self.register_buffer('mean', pre.mean.clone() if normalize else None)
        self.register_buffer('std', pre.std.clone() if normalize else None)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.flip and inputs.size(1) == 3:
            inputs = inputs.flip(1)
        if self.mean is not None:
            inputs = (inputs - self.mean) / self.std
        return self.model(inputs, mode='tensor')


def _torch_export(graph: nn.Module, example: torch.Tensor, path: str) -> None:
    batch = torch.export.Dim('batch')
    torch.onnx.export(graph, (example, ), path, dynamo=True, opset_version=OPSET,
                      external_data=False, input_names=[INPUT],
                      output_names=[OUTPUT], dynamic_shapes={'inputs': {0: batch}},
                      optimize=True, verbose=False)


def export_float(model: nn.Module, example: torch.Tensor, path: str) -> str:
    """Write ``model`` (eval mode) as a float ONNX file with a dynamic batch size, weights
    inside the file (one file to ship; ONNX's 2 GB limit is far above a student's size).

    A fake-quantized model (:class:`~mmkd.models.quantizers.BrevitasQuantizer`) is written
    through Brevitas as QuantizeLinear/Clip/DequantizeLinear around float operators: the same
    numbers as in PyTorch, in float arithmetic. Any other classifier through
    ``torch.onnx.export(dynamo=True)``, which folds batch norms into convolutions.
    """
    import_onnx_tools()
    quantized = bool(quantized_layers(model))
    graph = ClassifierGraph(settled_copy(model) if quantized else model).eval()
    with torch.no_grad():
        if quantized:
            from brevitas.export import export_onnx_qcdq
            # opset 18: the dynamo exporter's own; Brevitas' default (13) needs a down-conversion
            # that fails on its Clip nodes.
            export_onnx_qcdq(graph, (example, ), export_path=path, dynamo=True,
                             opset_version=OPSET, verbose=False, external_data=False,
                             input_names=[INPUT], output_names=[OUTPUT],
                             dynamic_shapes={'inputs': {0: torch.export.Dim('batch')}})
        else:
            _torch_export(graph, example, path)
    return path


class _Batches:
    """onnxruntime's calibration reader over batches of images."""

    def __init__(self, batches: Iterable[np.ndarray]) -> None:
        self._batches = iter(batches)

    def get_next(self) -> Optional[dict]:
        batch = next(self._batches, None)
        return None if batch is None else {INPUT: batch}

    def rewind(self) -> None:  # pragma: no cover - onnxruntime calls it only for some methods
        raise RuntimeError('calibration reads its batches once')


def export_int8(model: nn.Module, calibration: Iterable[np.ndarray], path: str) -> str:
    """Write ``model`` as an int8 ONNX file that onnxruntime runs with integer kernels.

    The float graph of ``model`` (for a fake-quantized model: its float copy holding the
    quantized weights, :func:`~mmkd.models.quantizers.dequantized_copy`) goes through
    onnxruntime's static quantization: batch norms folded, weights int8 symmetric per output
    channel, activations uint8 with ranges from ``calibration`` (MinMax), QDQ format.

    * A model trained with 8-bit per-channel weights keeps its integer weights: the runtime's
      scale (``max|w| / 127`` per channel) is the one it trained with, and folding a batch norm
      rescales a channel without moving its integers. Weights trained at fewer bits are
      re-rounded to int8 (CPUs have no 4- or 2-bit convolution), which only adds levels.
    * Activation ranges come from the calibration batches, not from the learned scales of
      training.
    * A float model gets post-training quantization (PTQ) the same way.

    ``reduce_range`` stays off: the weights keep all 8 bits, which CPUs with VNNI (or ARM's dot
    product) accumulate without saturation; older x86 CPUs may saturate (onnxruntime's docs).
    """
    import_onnx_tools()
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    batches = list(calibration)
    if not batches:
        raise ValueError('int8 export needs at least one calibration batch')
    plain = dequantized_copy(settled_copy(model)) if quantized_layers(model) else model
    with tempfile.TemporaryDirectory() as tmp:
        float_path, prepared = osp.join(tmp, 'float.onnx'), osp.join(tmp, 'prepared.onnx')
        with torch.no_grad():
            _torch_export(ClassifierGraph(plain).eval(), torch.from_numpy(batches[0][:1]),
                          float_path)
        quant_pre_process(float_path, prepared)
        quantize_static(prepared, path, _Batches(batches), quant_format=QuantFormat.QDQ,
                        per_channel=True, reduce_range=False, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    return path


def file_size(path: str) -> int:
    """Bytes on disk of an ONNX file (with its external data, if any)."""
    data = path + '.data'
    return os.path.getsize(path) + (os.path.getsize(data) if osp.exists(data) else 0)
