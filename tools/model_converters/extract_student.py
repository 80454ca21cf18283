"""Write the student of a distillation checkpoint as a plain checkpoint.

    python tools/model_converters/extract_student.py KD_CKPT OUT_CKPT \
        [--config KD_CONFIG --out-config STUDENT_CONFIG]

The output holds ``state_dict`` (the student's weights, without the ``architecture.`` prefix)
and a small ``meta`` (plain types only), so mmpretrain loads it without mmkd, e.g.
``mmpretrain.apis.init_model(student_config, OUT_CKPT)``; with ``--config`` the student config
is written too (the KD config's ``model.architecture`` with its data settings).
"""
import argparse
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config

from mmkd.utils import load_checkpoint_file

PREFIX = 'architecture.'
PLAIN_META = ('epoch', 'iter', 'dataset_meta', 'seed', 'mmengine_version', 'experiment_name')


def extract_student(src: str, dst: str, prefix: str = PREFIX) -> dict:
    """Save the student of ``src`` to ``dst``; return the saved checkpoint."""
    checkpoint = load_checkpoint_file(src, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    student = {k[len(prefix):]: v.clone() for k, v in state_dict.items() if k.startswith(prefix)}
    if not student:
        raise SystemExit(
            f'{src} has no "{prefix}*" weights: it is not a distillation checkpoint of mmkd '
            '(a plain model checkpoint needs no extraction).')
    meta = {k: copy.deepcopy(v) for k, v in checkpoint.get('meta', {}).items() if k in PLAIN_META}
    meta['extracted_from'] = osp.basename(src)
    out = dict(meta=meta, state_dict=student)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(out, dst)
    return out


def student_config(kd_config: str) -> Config:
    """A config for the student alone, built from a distillation config."""
    from mmkd.models.utils.model_builder import _from_cfg_path
    cfg = Config.fromfile(kd_config)
    arch = copy.deepcopy(cfg.model.architecture)
    if 'cfg_path' in arch:
        arch = _from_cfg_path(arch, 'model.architecture')
    if 'data_preprocessor' in cfg.model and 'data_preprocessor' not in arch:
        arch['data_preprocessor'] = cfg.model.data_preprocessor
    out = dict(model=arch)
    for key in ('default_scope', 'data_preprocessor', 'test_pipeline', 'test_dataloader',
                'test_evaluator', 'test_cfg', 'val_dataloader', 'val_evaluator', 'val_cfg'):
        if key in cfg:
            out[key] = copy.deepcopy(cfg[key])
    return Config(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='distillation checkpoint (from tools/train.py)')
    parser.add_argument('dst', help='output checkpoint of the student alone')
    parser.add_argument('--prefix', default=PREFIX, help='key prefix of the student weights')
    parser.add_argument('--config', help='the distillation config (to write --out-config)')
    parser.add_argument('--out-config', help='write the student config here')
    args = parser.parse_args()
    if bool(args.config) != bool(args.out_config):
        parser.error('--config and --out-config go together')
    out = extract_student(args.src, args.dst, args.prefix)
    print(f'wrote {len(out["state_dict"])} student tensors to {args.dst}')
    if args.config:
        student_config(args.config).dump(args.out_config)
        print(f'wrote the student config to {args.out_config}')


if __name__ == '__main__':
    main()
