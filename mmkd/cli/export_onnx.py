"""Write a trained classifier as ONNX (float, and int8 with ``--int8``) and check each file in
onnxruntime against the PyTorch model on the config's test data.

    tools/model_converters/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--int8 OUT_INT8.onnx]
        (or ``mmkd-export-onnx``)

CONFIG and CHECKPOINT are a student as ``mmkd-extract-student`` writes it (or any mmpretrain
classifier), or a distillation config and its checkpoint (the student is taken from it). The
graph takes images as the test pipeline packs them (float NCHW pixels) and returns logits; the
preprocessing (channel order, mean, std) is inside. The float file of a float model must give
the PyTorch logits within ``--atol``; the int8 file, and the float file of a fake-quantized
model (whose roundings float arithmetic of another order can flip by one step), the same top-1
on at least ``--min-agreement`` of the test images. A summary (differences, agreement, accuracies, sizes) is printed and, with
``--report``, written as JSON; a failed check ends with exit status 1.
"""
import argparse
import json
import sys
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction

from mmkd.utils import load_checkpoint_file
from mmkd.utils.config_errors import KDConfigError
from .common import load_config, run_cli
from .extract_student import PREFIX, prefixed_weights, student_config
from .test import distillation_algorithm


def load_classifier(config: str, checkpoint: str, cfg_options: Optional[dict] = None
                    ) -> Tuple[torch.nn.Module, Config]:
    """The classifier of ``config`` with the weights of ``checkpoint`` (eval mode) and the
    config it is described by (the student's, for a distillation config)."""
    from mmkd.models.utils.model_builder import (algorithm_data_preprocessor, build_model,
                                                 typed_data_preprocessor)
    cfg = load_config(config, cfg_options)
    prefix = ''
    if distillation_algorithm(cfg.get('model')):
        cfg, prefix = student_config(cfg), PREFIX
    model_cfg = cfg.model.to_dict()
    preprocessor = algorithm_data_preprocessor(cfg)  # a top-level one, as the runner merges it
    if preprocessor is not None:
        model_cfg['data_preprocessor'] = typed_data_preprocessor(dict(preprocessor))
    model = build_model(model_cfg, 'model')
    state = prefixed_weights(load_checkpoint_file(checkpoint, map_location='cpu'), checkpoint,
                             prefix)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise KDConfigError(
            f'{checkpoint} does not hold the model of {config}: '
            + (f'missing {missing[:5]}' if missing else '')
            + (f' unexpected {unexpected[:5]}' if unexpected else '')
            + ' (a quantized student needs its quantizer in the config)')
    return model.eval(), cfg


def image_batches(cfg: Config, key: str, limit: Optional[int] = None
                  ) -> Iterator[Tuple[np.ndarray, List[int]]]:
    """``(images, labels)`` of the dataloader at config key ``key``, the images as the export
    takes them (float32 NCHW pixels), up to ``limit`` images."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    if key not in cfg:
        raise KDConfigError(f'the config has no {key} to read images from')
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpretrain')):
        loader = Runner.build_dataloader(cfg[key])
    seen = 0
    for data in loader:
        images = torch.stack(list(data['inputs'])).float().numpy()
        labels = [int(s.gt_label[0]) for s in data['data_samples']]
        if limit is not None:
            images, labels = images[:limit - seen], labels[:limit - seen]
        yield images, labels
        seen += len(labels)
        if limit is not None and seen >= limit:
            return


def _line(name: str, check: dict) -> str:
    acc = (f', top-1 {check["onnx_accuracy"]:.2f} % (PyTorch {check["torch_accuracy"]:.2f} %)'
           if 'onnx_accuracy' in check else '')
    return (f'{name}: max |logit difference| {check["max_abs_diff"]:.3g}, top-1 agreement '
            f'{100 * check["top1_agreement"]:.2f} % on {check["samples"]} images{acc}, '
            f'{check["bytes"]} bytes')


def _check_agreement(check: dict, name: str, least: float, failed: list) -> None:
    if check['top1_agreement'] < least:
        failed.append(f'the {name} file agrees on {100 * check["top1_agreement"]:.2f} % of the '
                      f'images < --min-agreement {100 * least:.2f} %')


def main(argv=None):
    from mmkd.deploy import compare_with_torch, export_float, export_int8, file_size
    from mmkd.deploy.onnx_export import import_onnx_tools
    from mmkd.models.quantizers import quantized_layers
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='student config (mmkd-extract-student) or distillation '
                        'config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('out', help='the float ONNX file to write')
    parser.add_argument('--int8', help='also write an int8 ONNX file here')
    parser.add_argument('--calib-samples', type=int, default=512,
                        help='images of val_dataloader that set the int8 activation ranges')
    parser.add_argument('--check-samples', type=int, default=None,
                        help='images of test_dataloader to check on (default: all)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest logit difference the float file may have')
    parser.add_argument('--min-agreement', type=float, default=0.99,
                        help='smallest top-1 agreement the int8 file may have')
    parser.add_argument('--report', help='write the summary as JSON here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys (e.g. the test data\'s path)')
    args = parser.parse_args(argv)
    try:
        import_onnx_tools()
    except ImportError as e:  # one line, as for the stack's packages (mmkd/cli/__init__.py)
        print(f'mmkd: {e}', file=sys.stderr)
        raise SystemExit(2)
    model, cfg = load_classifier(args.config, args.checkpoint, args.cfg_options)
    checks = list(image_batches(cfg, 'test_dataloader', args.check_samples))
    export_float(model, torch.from_numpy(checks[0][0][:1]), args.out)
    report = dict(float=dict(compare_with_torch(args.out, model, checks), path=args.out,
                             bytes=file_size(args.out)))
    print(_line(f'float {args.out}', report['float']))
    failed = []
    if quantized_layers(model):
        # Rounding in float arithmetic of another order can flip a value at a quantization step
        # by one step, so a fake-quantized graph is held to the agreement of its predictions.
        _check_agreement(report['float'], 'float', args.min_agreement, failed)
    elif report['float']['max_abs_diff'] > args.atol:
        failed.append(f'the float file differs by {report["float"]["max_abs_diff"]:.3g} > '
                      f'--atol {args.atol}')
    if args.int8:
        calibration = (images for images, _ in image_batches(cfg, 'val_dataloader',
                                                             args.calib_samples))
        export_int8(model, calibration, args.int8)
        report['int8'] = dict(compare_with_torch(args.int8, model, checks), path=args.int8,
                              bytes=file_size(args.int8))
        print(_line(f'int8 {args.int8}', report['int8']))
        _check_agreement(report['int8'], 'int8', args.min_agreement, failed)
    if args.report:
        with open(args.report, 'w') as f:
            json.dump(report, f, indent=1)
    if failed:
        raise SystemExit('mmkd-export-onnx: check failed: ' + '; '.join(failed))
    return report


def cli(argv=None):
    run_cli(main, argv)


if __name__ == '__main__':
    cli()
