"""Every shipped config loads, builds its model, and (for distillation) computes its losses."""
import glob
import copy
import types
import hashlib
import types
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

from mmkd.models.utils import build_model
from mmkd.registry import HOOKS, MODELS

from helpers import ROOT

ALL = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
             if '_base_' not in p and osp.basename(p) != 'digits_variants.py')
# sequence configs (tools/train_sequence.py) hold no model of their own, but hops of configs
SEQUENCES = [p for p in ALL if osp.basename(osp.dirname(p)) == 'sequential']
CONFIGS = [p for p in ALL if p not in SEQUENCES]
VARIANTS = osp.join(ROOT, 'configs', 'digits_variants.py')


@pytest.fixture(scope='module')
def ckpt_dir(tmp_path_factory):
    return tmp_path_factory.mktemp('config_teachers')


def fake_ckpt(model_cfg, folder):
    """A checkpoint with random weights for a teacher config, cached per architecture."""
    path = folder / (hashlib.md5(repr(model_cfg).encode()).hexdigest() + '.pth')
    if not path.exists():
        torch.manual_seed(0)  # the same weights in every run: a failure can be reproduced
        with DefaultScope.overwrite_default_scope('mmkd'):
            torch.save({'state_dict': build_model(model_cfg, 'teacher').state_dict()}, path)
    return str(path)


def batch(cfg):
    pre = cfg.get('data_preprocessor', cfg.model.get('data_preprocessor', {}))
    channels = len(pre.get('mean', [0, 0, 0]))
    size = 8 if channels == 1 else 32
    classes = pre.get('num_classes', 10)
    images = torch.randint(0, 256, (4, channels, size, size),
                           generator=torch.Generator().manual_seed(0)).float()
    # as PackInputs makes them: the label and the sample's index in the dataset
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i % classes) for i in range(4)]
    return dict(inputs=images, data_samples=samples)


def test_there_are_configs_for_every_method():
    folders = {osp.basename(osp.dirname(p)) for p in ALL}
    assert {'kd', 'fitnets', 'dkd', 'dist', 'wsld', 'hard_label_kd', 'kd_partial',
            'multi_teacher', 'demo', 'cifar_zoo', 'at', 'nst', 'ab', 'ofd', 'vid', 'cwd',
            'pkd', 'ft', 'reviewkd', 'rkd', 'sp', 'cc', 'pkt', 'fsp', 'crd', 'fsecd',
            'mean_teacher', 'data_free', 'adversarial', 'sequential'} <= folders


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_builds_and_computes_losses(path, ckpt_dir, tmp_path):
    check_config(Config.fromfile(path), ckpt_dir, tmp_path)


@pytest.mark.parametrize('path', SEQUENCES, ids=osp.basename)
def test_sequence_configs_name_hop_configs_that_load(path):
    from mmkd.cli.common import load_config
    from mmkd.cli.training_sequence import load_sequence, sequence_hops
    hops = sequence_hops(load_sequence(path))
    assert len(hops) >= 2
    for hop in hops:
        cfg = load_config(hop.config)
        cfg.merge_from_dict(hop.overrides)
        assert cfg.model.type == ('SingleTeacherDistill' if hop.distils else 'ImageClassifier')


def _variant_names():
    import runpy
    return list(runpy.run_path(VARIANTS)['variants'])


@pytest.mark.parametrize('name', _variant_names())
def test_every_variant_of_the_benchmark_builds_and_computes_losses(name, ckpt_dir, tmp_path):
    from mmkd.analysis.benchmark import load_variants
    cfg = load_variants(VARIANTS)[name]
    check_config(cfg, ckpt_dir, tmp_path)


def check_config(cfg, ckpt_dir, tmp_path):
    model_cfg = cfg.model
    cached = model_cfg.get('teacher_cache') is not None
    ema = model_cfg.get('teacher_policy') == 'ema'
    if model_cfg.type in ('SingleTeacherDistill', 'DataFreeDistill') and not ema:
        model_cfg.teacher_ckpt = fake_ckpt(model_cfg.teacher, ckpt_dir)
    elif model_cfg.type in ('MultiTeacherDistill', 'mmkd.MultiTeacherDistill'):
        for teacher in model_cfg.teachers.values():
            teacher.ckpt = fake_ckpt(teacher.model, ckpt_dir)
    if 'data_preprocessor' in cfg:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    if cached:  # build a small cache for it first, and train on batches of its data
        cached_batch = build_small_cache(cfg, tmp_path)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmkd')):
        model = MODELS.build(model_cfg)
    model.train()
    if ema:  # what EMATeacherHook does before training
        assert any(h['type'] == 'EMATeacherHook' for h in cfg.custom_hooks)
        model.start_ema_teacher()
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'CurriculumTemperatureHook':  # what it does before the first epoch
            runner = types.SimpleNamespace(model=model, epoch=0)
            built = HOOKS.build(copy.deepcopy(hook))
            built.before_train(runner)
            built.before_train_epoch(runner)
    if model_cfg.type == 'DataFreeDistill':  # each phase's losses, on synthesized images
        for phase in ('generator', 'student'):
            losses = model(None, None, mode='loss', phase=phase, num=4)
            assert losses and all(torch.isfinite(v) for v in losses.values())
            assert all(k.startswith('generator.' if phase == 'generator' else 'distill.')
                       for k in losses)
        return
    data = model.data_preprocessor(cached_batch if cached else batch(cfg), training=True)
    losses = model(**data, mode='loss')
    assert losses and all(torch.isfinite(v) for v in losses.values())
    if 'distiller' in model_cfg:
        assert any(k.startswith('distill.') for k in losses)
        for hook in cfg.get('custom_hooks', []):
            if hook['type'] == 'LossWeightScheduleHook':
                assert set(hook['schedules']) <= set(model.distiller.distill_losses)
            if hook['type'] == 'DistillStagesHook':
                check_stages(HOOKS.build(copy.deepcopy(hook)), model, cfg, data)


def build_small_cache(cfg, tmp_path):
    """Build the config's teacher cache on 32 samples and one slot; return a batch of them."""
    from mmengine.dataset import pseudo_collate
    from mmkd.engine.teacher_cache_builder import build
    from mmkd.registry import DATASETS
    assert any(h['type'] == 'ReplayAugmentationHook' for h in cfg.custom_hooks)
    cfg.model.teacher_cache.dir = str(tmp_path / 'cache')
    cfg.train_dataloader.dataset.num_slots = 1
    cfg.train_dataloader.dataset.dataset.num_train = 32
    build(cfg)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmkd')):
        dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    return pseudo_collate([dataset[(0, i)] for i in range(4)])


def check_stages(hook, model, cfg, data):
    """Every stage names real losses and modules, and computes (only) its losses."""
    runner = types.SimpleNamespace(message_hub=MessageHub.get_current_instance())
    assert sum(s['end'] - s['begin'] for s in hook.stages[:-1]) < cfg.train_cfg.max_epochs
    for i, stage in enumerate(hook.stages):
        hook._apply(runner, model, i)
        losses = model(**data, mode='loss')
        on = {f'distill.{n}' for n, f in model.distiller.loss_weight_factors.items() if f}
        assert {k for k in losses if k.startswith('distill.')} == on
        assert all(torch.isfinite(v) for v in losses.values())


def test_kd_sim_config_does_not_run_the_teacher():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/kd_partial/kd_sim_convnet-teacher_convnet-student_digits.py'))
    assert set(cfg.model.distiller.teacher_recorders) == {'fc_weight'}
