"""The losses of the first training steps of shipped digits configs, through the runner.

What the core's refactors must not change: ``tests/data/step_reference.json`` holds the
losses of steps 1 and 2 (the second after one optimizer step) of each config below, built
from seeded random teachers; ``tests/test_engine/test_step_reference.py`` compares a fresh
run with them to 1e-6. Regenerate (only when a change of the numbers is intended) with
``python tests/step_reference.py``.
"""
import json
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)
REFERENCE = osp.join(HERE, 'data', 'step_reference.json')
CONFIGS = {
    'kd': 'kd/kd_convnet-teacher_convnet-student_digits.py',
    'dkd': 'dkd/dkd_convnet-teacher_convnet-student_digits.py',
    'fitnets': 'fitnets/fitnets_convnet-teacher_convnet-student_digits.py',
    'crd': 'crd/crd_convnet-teacher_convnet-student_digits.py',
    'dml': 'dml/dml_convnet-peers_digits.py',
    'byot': 'byot/byot_convnet_digits.py',
    'mean_teacher': 'mean_teacher/mean_teacher_kd_convnet-student_digits.py',
    'multi_teacher': 'multi_teacher/multi_teacher_kd_convnets_digits.py',
}
STEPS = 2


class RecordLosses(Hook):
    """Keeps every logged value of each training step."""

    def __init__(self):
        self.steps = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.steps.append({k: float(v.detach()) for k, v in outputs.items()})


def teacher_checkpoint(model_cfg, folder, tag: str):
    from mmkd.models.utils import build_model
    import hashlib
    digest = hashlib.md5(f'{tag}{model_cfg!r}'.encode()).hexdigest()
    path = osp.join(str(folder), f'{tag}.pth')
    os.makedirs(str(folder), exist_ok=True)
    torch.manual_seed(int(digest[:8], 16))  # teachers of one config differ
    with DefaultScope.overwrite_default_scope('mmkd'):
        torch.save({'state_dict': build_model(model_cfg, 'teacher').state_dict()}, path)
    return path


def step_losses(name: str, work_dir) -> list:
    """The losses of the first ``STEPS`` training steps of config ``name`` (one thread, seed 0,
    no validation, 64 training images in batches of 32)."""
    from mmkd.engine.runner import build_runner
    torch.set_num_threads(1)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', CONFIGS[name]))
    model = cfg.model
    if model.get('teacher_ckpt') is not None:
        model.teacher_ckpt = teacher_checkpoint(model.teacher, work_dir, 'teacher')
    for tag, teacher in model.get('teachers', {}).items():
        teacher.ckpt = teacher_checkpoint(teacher.model, work_dir, tag)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.dataset.num_train = 32 * STEPS
    cfg.train_dataloader.batch_size = 32
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=10)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.log_level = 'WARNING'
    runner = build_runner(cfg)
    recorder = RecordLosses()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()
    return recorder.steps


def main(folder):
    results = {name: step_losses(name, osp.join(folder, name)) for name in CONFIGS}
    with open(REFERENCE, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(f'wrote {REFERENCE}')


if __name__ == '__main__':
    import tempfile
    sys.path.insert(0, ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        main(tmp)
