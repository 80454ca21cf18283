"""The scope rule (mmkd/utils/scopes.py) and mmkd:: config paths, whatever the default scope."""
import copy
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.registry import MODELS as ROOT_MODELS

from mmkd.models.utils import build_model
from mmkd.models.utils.model_builder import build_data_preprocessor
from mmkd.utils.package_configs import mmkd_config_root
from mmkd.utils.scopes import model_scope, with_model_scope

from helpers import LOGITS_KD, PREPROCESSOR, STUDENT, TEACHER

RESNET = dict(backbone=dict(type='ResNet_CIFAR', depth=18, in_channels=1, stem_channels=8,
                            base_channels=8),
              neck=dict(type='GlobalAveragePooling'),
              head=dict(type='LinearClsHead', num_classes=10, in_channels=64))


def test_the_rule():
    assert model_scope(dict(type='ImageClassifier', _scope_='mmpretrain')) == 'mmpretrain'
    assert model_scope(dict(type='mmpretrain.ImageClassifier')) == 'mmpretrain'
    assert model_scope(dict(type='ImageClassifier')) == 'mmpretrain'  # found there
    assert model_scope(dict(type='SingleTeacherDistill')) == 'mmkd'
    assert model_scope(dict(type='SimpleConvNet')) == 'mmkd'
    assert model_scope(dict(type='NoSuchModel')) is None
    assert with_model_scope(dict(type='mmpretrain.ImageClassifier'))['_scope_'] == 'mmpretrain'
    cfg = dict(type='X', _scope_='mine')
    assert with_model_scope(cfg) is cfg


@pytest.mark.parametrize('default_scope', ['mmkd', 'mmpretrain', None])
@pytest.mark.parametrize('style', ['prefix', '_scope_', 'bare'])
def test_a_standalone_mmpretrain_model_builds_in_any_default_scope(default_scope, style):
    cfg = dict(type='ImageClassifier', **copy.deepcopy(RESNET))
    if style == 'prefix':
        cfg['type'] = 'mmpretrain.ImageClassifier'
    elif style == '_scope_':
        cfg['_scope_'] = 'mmpretrain'
    with DefaultScope.overwrite_default_scope(default_scope):
        model = build_model(cfg, 'model')  # what mmkd does for students and teachers
        # ... and what the runner does with the top-level model after tools/*.py apply the rule
        same = ROOT_MODELS.build(with_model_scope(cfg))
    assert type(model).__name__ == type(same).__name__ == 'ImageClassifier'


@pytest.mark.parametrize('default_scope', ['mmkd', 'mmpretrain'])
def test_algorithms_build_their_parts_in_mmkd_whatever_the_default_scope(default_scope,
                                                                           teacher_ckpt):
    cfg = dict(type='mmkd.SingleTeacherDistill', architecture=copy.deepcopy(STUDENT),
               teacher=copy.deepcopy(TEACHER), teacher_ckpt=teacher_ckpt,
               # a typeless preprocessor, as mmpretrain's dataset bases write it
               data_preprocessor={k: v for k, v in PREPROCESSOR.items() if k != 'type'},
               distiller=copy.deepcopy(LOGITS_KD))
    with DefaultScope.overwrite_default_scope(default_scope):
        model = ROOT_MODELS.build(with_model_scope(cfg))
    assert type(model.data_preprocessor).__name__ == 'ClsDataPreprocessor'
    assert model.data_preprocessor.mean.flatten().tolist() == [78.0]
    assert type(model.distiller.distill_losses.loss_kd).__name__ == 'KLDivergence'


def test_typeless_data_preprocessor_is_mmpretrains_default():
    pre = build_data_preprocessor(dict(num_classes=3, mean=[1.0], std=[2.0]), 'model.x')
    assert type(pre).__name__ == 'ClsDataPreprocessor'
    out = pre(dict(inputs=[torch.full((1, 2, 2), 5, dtype=torch.uint8)]), training=False)
    assert out['inputs'].flatten().tolist() == [2.0] * 4


def test_mmkd_bases_and_cfg_paths_from_a_folder_outside_the_repository(tmp_path, teacher_ckpt):
    (tmp_path / 'mine.py').write_text(textwrap.dedent('''
        _base_ = ['mmkd::_base_/default_runtime.py', 'mmkd::_base_/datasets/digits.py']
        model = dict(type='SingleTeacherDistill',
                     architecture=dict(cfg_path='mmkd::_base_/models/cifar/resnet8.py'),
                     teacher=dict(cfg_path='mmkd::_base_/models/cifar/resnet20.py'))
    '''))
    cfg = Config.fromfile(str(tmp_path / 'mine.py'))
    assert cfg.default_scope == 'mmkd' and cfg.train_dataloader.dataset.type == 'DigitsDataset'
    student = build_model(cfg.model.architecture, 'model.architecture')
    assert type(student.backbone).__name__ == 'CifarResNet'
    (tmp_path / 'bad.py').write_text("_base_ = ['mmkd::_base_/default_runtim.py']\n")
    with pytest.raises(FileNotFoundError, match='default_runtime.py'):
        Config.fromfile(str(tmp_path / 'bad.py'))
    assert mmkd_config_root().endswith('configs')


def test_cfg_path_may_name_a_config_file_of_ones_own(tmp_path):
    (tmp_path / 'teacher.py').write_text(textwrap.dedent(f'''
        default_scope = 'mmpretrain'
        model = dict(type='ImageClassifier', **{RESNET!r})
    '''))
    model = build_model(dict(cfg_path=str(tmp_path / 'teacher.py'), head=dict(num_classes=3)),
                        'model.teacher')
    assert model.head.fc.out_features == 3
    from mmkd.utils import KDConfigError
    with pytest.raises(KDConfigError, match=r'model\.teacher\.cfg_path=.*no such file'):
        build_model(dict(cfg_path=str(tmp_path / 'nope.py')), 'model.teacher')


def test_mmkd_hooks_and_loops_build_from_an_mmpretrain_scoped_file():
    from mmengine.registry import HOOKS, LOOPS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        hook = HOOKS.build(dict(type='mmkd.LossWeightScheduleHook', schedules=dict(
            loss_kd=dict(type='LinearWarmupWeight', warmup=2))))
        assert LOOPS.get('mmkd.DistillTestLoop') is not None
    assert hook.schedules["loss_kd"](0) == 0.5
