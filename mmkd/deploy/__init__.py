"""Deploying a trained student: ONNX files (float, int8) and their checks in onnxruntime."""
from .onnx_check import compare_with_torch, ort_session
from .onnx_export import ClassifierGraph, export_float, export_int8, file_size

__all__ = ['ClassifierGraph', 'compare_with_torch', 'export_float', 'export_int8', 'file_size',
           'ort_session']
