"""Run an exported ONNX file in onnxruntime and compare it with the PyTorch model it came from."""
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from .onnx_export import INPUT, ClassifierGraph, import_onnx_tools


def ort_session(path: str, threads: int = 1):
    """An onnxruntime CPU session over ``path`` with all graph optimisations (the QDQ fusion
    into integer kernels among them) and ``threads`` intra-op threads."""
    import_onnx_tools()
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings are about the exporter's graph
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])


def compare_with_torch(path: str, model: nn.Module,
                       batches: Iterable[Tuple[np.ndarray, Optional[Sequence[int]]]]) -> dict:
    """Logits of the ONNX file and of ``model`` (eval mode) on the same images.

    Args:
        path: the ONNX file.
        model: the PyTorch classifier it was exported from.
        batches: ``(images, labels)`` pairs; images as :class:`ClassifierGraph` takes them,
            labels may be None.

    Returns:
        dict: ``max_abs_diff`` of the logits, ``top1_agreement`` (share of images whose
        arg-max agree), ``samples``, and ``onnx_accuracy`` / ``torch_accuracy`` (top-1, %)
        where labels were given.
    """
    session = ort_session(path)
    graph = ClassifierGraph(model).eval()
    diff, agree, correct_onnx, correct_torch, samples, labelled = 0.0, 0, 0, 0, 0, 0
    with torch.no_grad():
        for images, labels in batches:
            ours = session.run(None, {INPUT: images})[0]
            theirs = graph(torch.from_numpy(images)).numpy()
            diff = max(diff, float(np.abs(ours - theirs).max()))
            agree += int((ours.argmax(1) == theirs.argmax(1)).sum())
            samples += len(images)
            if labels is not None:
                labels = np.asarray(labels)
                correct_onnx += int((ours.argmax(1) == labels).sum())
                correct_torch += int((theirs.argmax(1) == labels).sum())
                labelled += len(labels)
    if not samples:
        raise ValueError('no images to compare on')
    out = dict(max_abs_diff=diff, top1_agreement=agree / samples, samples=samples)
    if labelled:
        out.update(onnx_accuracy=100.0 * correct_onnx / labelled,
                   torch_accuracy=100.0 * correct_torch / labelled)
    return out
