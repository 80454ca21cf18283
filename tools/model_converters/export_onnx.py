"""Write a trained classifier as ONNX (float, and int8 with ``--int8``) and check it in
onnxruntime: ``python tools/model_converters/export_onnx.py CONFIG CKPT OUT.onnx [--int8
OUT_INT8.onnx]``. The same command as ``mmkd-export-onnx``; see ``mmkd/cli/export_onnx.py``."""
from mmkd.cli.export_onnx import cli

if __name__ == '__main__':
    cli()
