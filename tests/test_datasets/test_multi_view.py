"""Several views of each sample: the dataset wrapper, the preprocessor, and which model reads
which view."""
import pytest
import torch
from mmengine.dataset import pseudo_collate

from helpers import LOGITS_KD, build_kd
from mmkd.datasets import MultiViewDataset
from mmkd.models import MultiViewDataPreprocessor
from mmkd.utils.config_errors import KDConfigError

PREPROCESSOR = dict(type='mmpretrain.ClsDataPreprocessor', num_classes=10, mean=[78.0],
                    std=[96.0], to_rgb=False)
VIEWS = dict(
    clean=[dict(type='mmpretrain.PackInputs')],
    shifted=[dict(type='mmpretrain.RandomCrop', crop_size=8, padding=2),
             dict(type='mmpretrain.RandomFlip', prob=1.0, direction='horizontal'),
             dict(type='mmpretrain.PackInputs')])


def dataset(views=VIEWS):
    return MultiViewDataset(dict(type='DigitsDataset', split='train', pipeline=[]), views)


def test_each_sample_has_every_view_with_its_own_pipeline():
    ds = dataset()
    sample = ds[3]
    assert set(sample['inputs']) == {'clean', 'shifted'}
    clean, shifted = sample['inputs']['clean'], sample['inputs']['shifted']
    assert clean.shape == shifted.shape == (1, 8, 8)
    assert not torch.equal(clean, shifted)  # flipped (and shifted): another view
    plain = MultiViewDataset(dict(type='DigitsDataset', split='train', pipeline=[]),
                             dict(only=[dict(type='mmpretrain.PackInputs')]))[3]
    assert torch.equal(plain['inputs']['only'], clean)
    assert sample['data_samples'].gt_label.item() == plain['data_samples'].gt_label.item()
    assert len(ds) == len(plain['inputs']) * 0 + len(ds.dataset)


def test_bad_views_are_refused_with_the_key():
    with pytest.raises(KDConfigError, match='MultiViewDataset.views'):
        dataset({})
    with pytest.raises(KDConfigError, match='views.raw'):
        dataset(dict(raw=[dict(type='mmpretrain.RandomFlip', prob=0.5)]))[0]


def batch(n=6):
    return pseudo_collate([dataset()[i] for i in range(n)])


def test_the_preprocessor_normalises_every_view_or_stacks_them():
    data = batch()
    pre = MultiViewDataPreprocessor(PREPROCESSOR)
    out = pre(data, training=True)
    assert set(out['inputs']) == {'clean', 'shifted'}
    single = pre.preprocessor(dict(inputs=data['inputs']['clean'],
                                   data_samples=data['data_samples']), True)
    torch.testing.assert_close(out['inputs']['clean'], single['inputs'])
    stacked = MultiViewDataPreprocessor(PREPROCESSOR, stack=['shifted', 'clean'])(data, True)
    assert stacked['inputs'].shape == (12, 1, 8, 8)
    torch.testing.assert_close(stacked['inputs'][6:], single['inputs'])
    assert [s.gt_label.item() for s in stacked['data_samples']] == \
        [s.gt_label.item() for s in data['data_samples']] * 2
    with pytest.raises(KDConfigError, match='stack names views'):
        MultiViewDataPreprocessor(PREPROCESSOR, stack=['weak'])(data, True)
    with pytest.raises(KDConfigError, match='batch_augments'):
        MultiViewDataPreprocessor(dict(PREPROCESSOR, batch_augments=dict(
            augments=dict(type='Mixup', alpha=1.0))))


def test_each_model_reads_the_view_the_config_names(teacher_ckpt):
    model = build_kd(teacher_ckpt, LOGITS_KD, views=dict(teacher='clean', student='shifted'),
                     data_preprocessor=dict(type='MultiViewDataPreprocessor',
                                            preprocessor=PREPROCESSOR))
    data = model.data_preprocessor(batch(), True)
    seen = {}

    def hook(name):
        def record(module, args, output):
            seen.setdefault(name, args[0])
        return record

    model.teacher.register_forward_hook(hook('teacher'))
    model.student.register_forward_hook(hook('student'))
    model.loss(data['inputs'], data['data_samples'])
    assert torch.equal(seen['teacher'], data['inputs']['clean'])
    assert torch.equal(seen['student'], data['inputs']['shifted'])
    # prediction reads the student's view; a plain (validation) batch passes through
    out = model(data['inputs'], data['data_samples'], mode='tensor')
    torch.testing.assert_close(out, model.student(data['inputs']['shifted'], mode='tensor'))
    bad = build_kd(teacher_ckpt, LOGITS_KD, views=dict(teacher='noisy'),
                   data_preprocessor=dict(type='MultiViewDataPreprocessor',
                                          preprocessor=PREPROCESSOR))
    with pytest.raises(KDConfigError, match=r"model.views.teacher='noisy'"):
        bad.loss(data['inputs'], data['data_samples'])


def test_the_two_view_mlkd_recipe_trains_and_validates_through_the_runner(tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    from helpers import ROOT
    from step_reference import teacher_checkpoint
    cfg = Config.fromfile(f'{ROOT}/configs/mlkd/mlkd-2views_convnet-teacher_convnet-student_'
                          'digits.py')
    cfg.model.teacher_ckpt = teacher_checkpoint(cfg.model.teacher, tmp_path, 'teacher')
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.dataset.num_train = 128
    cfg.train_dataloader.batch_size = 32
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert torch.isfinite(torch.tensor(scalars['train/distill.loss_mlkd'].current()))
    assert 'val/accuracy/top1' in scalars


def test_the_cifar_strong_view_runs_randaugment_on_colour_images():
    import numpy as np
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from helpers import ROOT
    from mmkd.utils.scopes import mmkd_scope
    cfg = Config.fromfile(f'{ROOT}/configs/mlkd/mlkd-2views_resnet32x4_resnet8x4_cifar100.py')
    with mmkd_scope():
        strong = Compose(cfg.train_dataloader.dataset.views.strong)
    image = np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    packed = strong(dict(img=image, gt_label=3))
    assert packed['inputs'].shape == (3, 32, 32)


def multi_view_cache(tmp_path, teacher_ckpt, shared_pipeline, views, model_views):
    """A teacher cache built on a multi-view dataset (``shared_pipeline`` before the
    ``views``), and the live and the cached model of that config (same weights), with the
    config, the cache's meta and a first training batch."""
    import copy
    from mmkd.engine.teacher_cache_builder import build
    from mmkd.registry import MODELS
    from test_engine.test_teacher_cache import cache_config, first_batch, live
    cfg = cache_config(tmp_path / 'work', teacher_ckpt, tmp_path / 'cache')
    inner = cfg.train_dataloader.dataset.dataset
    inner.pipeline = shared_pipeline
    cfg.train_dataloader.dataset.dataset = dict(type='MultiViewDataset', dataset=inner,
                                                views=views)
    cfg.model.views = model_views
    cfg.model.data_preprocessor = dict(type='MultiViewDataPreprocessor',
                                       preprocessor=PREPROCESSOR)
    meta = build(cfg)
    torch.manual_seed(0)
    live_model = MODELS.build(live(cfg).model)
    cached = MODELS.build(copy.deepcopy(cfg.model))
    assert cached.teacher is None
    cached.load_state_dict(live_model.state_dict())
    return cfg, meta, live_model, cached, first_batch(cfg)


def test_a_teacher_cache_built_on_the_teachers_view_serves_a_student_on_its_own(
        tmp_path, teacher_ckpt):
    import copy
    from mmkd.registry import MODELS
    from test_engine.test_teacher_cache import step_losses
    cfg, meta, live_model, cached, batch = multi_view_cache(
        tmp_path, teacher_ckpt, [], VIEWS, dict(teacher='clean', student='shifted'))
    assert meta['complete'] and any('shifted: ' in t for t in meta['data']['pipeline'])
    expected, got = step_losses(live_model, batch), step_losses(cached, batch)
    for k in expected:
        assert got[k] == pytest.approx(expected[k], rel=1e-6, abs=1e-7), k
    # another view pipeline than the cache was built with is refused
    changed = copy.deepcopy(cfg)
    changed.train_dataloader.dataset.dataset.views['shifted'][0]['padding'] = 1
    with pytest.raises(KDConfigError, match='pipeline|transform'):
        model = MODELS.build(copy.deepcopy(changed.model))
        from mmkd.registry import DATASETS
        model.teachers_by_name()['teacher'].cache.check_dataset(
            DATASETS.build(copy.deepcopy(changed.train_dataloader.dataset)).describe())
