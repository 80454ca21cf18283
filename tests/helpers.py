"""Small models, batches and configs shared by the tests."""
import copy
import os
import os.path as osp
import subprocess
import sys

from mmengine.config import Config
from mmengine.dataset import pseudo_collate

import mmkd  # noqa: F401
import mmkd.models  # noqa: F401  (registers the components the tests build)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PY = sys.executable


def convnet(widths):
    """A digits classifier (mmpretrain ImageClassifier around mmkd's SimpleConvNet)."""
    return dict(
        _scope_='mmpretrain',
        type='ImageClassifier',
        backbone=dict(type='mmkd.SimpleConvNet', in_channels=1, widths=widths, num_convs=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=widths[-1],
                  loss=dict(type='CrossEntropyLoss')))


TEACHER = convnet((16, 32))
STUDENT = convnet((8, 16))
PREPROCESSOR = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=10, mean=[78.0],
                    std=[96.0], to_rgb=False)
# The vanilla KD distiller of the shipped config, as users write it.
LOGITS_KD = Config.fromfile(
    osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py')).model.distiller.to_dict()


def build_classifier(cfg):
    from mmkd.models.utils import build_model
    return build_model(copy.deepcopy(cfg), 'model')


def kd_model_cfg(teacher_ckpt, distiller=None, **kwargs):
    cfg = dict(type='mmkd.SingleTeacherDistill', architecture=copy.deepcopy(STUDENT),
               teacher=copy.deepcopy(TEACHER), teacher_ckpt=teacher_ckpt,
               data_preprocessor=copy.deepcopy(PREPROCESSOR),
               distiller=copy.deepcopy(distiller or LOGITS_KD))
    cfg.update(kwargs)
    return cfg


def build_kd(teacher_ckpt, distiller=None, **kwargs):
    from mmkd.registry import MODELS
    return MODELS.build(kd_model_cfg(teacher_ckpt, distiller, **kwargs))


def digits_batch(n=16, split='train'):
    """A preprocess-ready batch of ``n`` digits images."""
    from mmkd.datasets import DigitsDataset
    ds = DigitsDataset(split=split, pipeline=[dict(type='mmpretrain.PackInputs')])
    return pseudo_collate([ds[i] for i in range(n)])


def digits_kd_config(work_dir, teacher_ckpt, epochs=2, distiller=None, **model_kwargs):
    """A full runner config: KD on a small digits subset, deterministic, CPU."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs/kd/kd_convnet-teacher_convnet-student_digits.py'))
    cfg.model = kd_model_cfg(teacher_ckpt, distiller, **model_kwargs)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.dataset.num_train = 128
    cfg.train_dataloader.dataset.pipeline = [dict(type='mmpretrain.PackInputs')]
    cfg.train_dataloader.batch_size = 32
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler = dict(type='CosineAnnealingLR', T_max=epochs, by_epoch=True)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.log_level = 'WARNING'
    return cfg


def run_tool(args, cwd=ROOT, env=None, timeout=600):
    """Run ``python ARGS`` from the repository root; return the completed process."""
    full_env = dict(os.environ)
    full_env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    full_env.update(env or {})
    return subprocess.run([PY, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def train_and_validate(tmp_path, model_cfg, models, epochs=2, evaluator_extra=()):
    """Train ``model_cfg`` on the digits subset through the runner (work dir
    ``tmp_path/work``), validating the named ``models`` of the algorithm too (and with the
    metrics of ``evaluator_extra`` beside the accuracy); return the runner, the validation
    metrics and the dumped config's path."""
    from mmengine.runner import Runner
    cfg = digits_kd_config(tmp_path / 'work', None, epochs=epochs)
    cfg.model = model_cfg
    cfg.val_cfg = dict(type='DistillValLoop', models=list(models))
    if evaluator_extra:
        cfg.val_evaluator = [cfg.val_evaluator, *evaluator_extra]
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'accuracy/top1'} | {f'{m}/accuracy/top1' for m in models} <= set(metrics)
    config = tmp_path / 'config.py'
    cfg.dump(str(config))
    return runner, metrics, config


def failure_text(out, limit=3000):
    """What a failed subprocess said that matters: its first Python traceback or fatal
    message (launchers print long summaries after them) and the end of its output."""
    text = out.stdout + out.stderr
    marks = [text.find(m) for m in ('Traceback (most recent call last)', 'terminate called',
                                    'Fatal Python error') if m in text]
    first = text[min(marks):min(marks) + limit] if marks else ''
    return first + '\n...\n' + text[-limit:]
