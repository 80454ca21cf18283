"""A new user's route, end to end, from a folder outside the repository.

An image folder in mmpretrain's CustomDataset layout; a teacher config of the user's own that
inherits mmkd's bases by ``mmkd::``; a distillation config written in mmpretrain's style
(stock ``mmpretrain::`` dataset, schedule and runtime bases, a typeless top-level
``data_preprocessor``, default_scope 'mmpretrain') into mmpretrain's MobileNetV2; its test
with the teacher file gone; the exported student through mmkd's and mmpretrain's own test
tools, ``init_model`` and ``ImageClassificationInferencer``, without mmkd.
"""
import os
import os.path as osp
import pickle
import textwrap

import numpy as np
import pytest
import torch

from helpers import ROOT, run_tool

MMPRETRAIN_TEST = None


def mmpretrain_test_tool():
    import mmpretrain
    return osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'test.py')


def make_image_folder(root, per_class=6):
    """Digits as 32x32 RGB PNGs in ``root/{train,val}/<class>/``: a dataset not in the repo."""
    import cv2
    from sklearn.datasets import load_digits
    digits = load_digits(n_class=4)
    counts = {}
    for image, label in zip(digits.images, digits.target):
        n = counts.get(label, 0)
        if n >= 2 * per_class:
            continue
        counts[label] = n + 1
        split = 'train' if n < per_class else 'val'
        folder = osp.join(root, split, f'class{label}')
        os.makedirs(folder, exist_ok=True)
        img = cv2.resize((image * 255 / 16).astype(np.uint8), (32, 32),
                         interpolation=cv2.INTER_NEAREST)
        colour = np.stack([img, 255 - img, img // 2], axis=-1)
        cv2.imwrite(osp.join(folder, f'{n:03d}.png'), colour)


TEACHER_CFG = '''
# A user's teacher: a standalone model in an mmkd-scoped file, with a scope prefix only.
_base_ = ['mmkd::_base_/default_runtime.py']
model = dict(
    type='mmpretrain.ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16, base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=4, in_channels=128,
              loss=dict(type='CrossEntropyLoss')))
data_preprocessor = dict(num_classes=4, mean=[128.0] * 3, std=[64.0] * 3, to_rgb=True)
pipeline = [dict(type='mmpretrain.LoadImageFromFile'), dict(type='mmpretrain.PackInputs')]
train_dataloader = dict(
    batch_size=8, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='mmpretrain.CustomDataset', data_root='{data}', data_prefix='train',
                 pipeline=pipeline))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
train_cfg = dict(by_epoch=True, max_epochs=1)
default_hooks = dict(checkpoint=dict(save_best=None), logger=dict(interval=1))
'''

KD_CFG = '''
# A distillation config in mmpretrain's style: stock bases, unchanged.
_base_ = [
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
# typeless, as every mmpretrain dataset base writes it
data_preprocessor = dict(num_classes=4, mean=[128.0] * 3, std=[64.0] * 3, to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=8, num_workers=0,
    dataset=dict(type='CustomDataset', data_root='{data}', data_prefix='train',
                 pipeline=train_pipeline, _delete_=True))
val_dataloader = dict(
    batch_size=8, num_workers=0,
    dataset=dict(type='CustomDataset', data_root='{data}', data_prefix='val',
                 pipeline=test_pipeline, _delete_=True))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)

model = dict(
    type='mmkd.SingleTeacherDistill',
    architecture=dict(
        cfg_path='mmpretrain::_base_/models/mobilenet_v2_1x.py',
        backbone=dict(widen_factor=0.25),
        head=dict(num_classes=4, topk=(1, ))),
    teacher=dict(cfg_path='{teacher_cfg}'),  # the user's own teacher config file
    teacher_ckpt='{teacher_ckpt}',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False)))))
'''

NO_MMKD_INFERENCE = '''
import pickle, sys
import torch
from mmpretrain.apis import ImageClassificationInferencer, init_model
model = init_model({cfg!r}, {ckpt!r}, device='cpu')
inferencer = ImageClassificationInferencer(model={cfg!r}, pretrained={ckpt!r}, device='cpu')
# batches of 8, as the test loader's: a convolution's kernel, hence its rounding, depends
# on the batch size, and this briefly trained student's large logits amplify rounding
results = inferencer({images!r}, batch_size=8)
assert not any(m == 'mmkd' or m.startswith('mmkd.') for m in sys.modules), 'mmkd was imported'
with open({out!r}, 'wb') as f:
    pickle.dump([r['pred_scores'] for r in results], f)
'''


def ok(out):
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out.stdout + out.stderr


@pytest.fixture(scope='module')
def user_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('user')
    make_image_folder(str(root / 'data'))
    return root


@pytest.mark.long
def test_a_users_distillation_from_stock_mmpretrain_bases(user_dir):
    data, cwd = str(user_dir / 'data'), str(user_dir)
    # The teacher: tools/train.py on a standalone model config outside the repository.
    (user_dir / 'teacher.py').write_text(TEACHER_CFG.replace('{data}', data))
    log = ok(run_tool([osp.join(ROOT, 'tools/train.py'), 'teacher.py', '--work-dir', 'teacher'],
                      cwd=cwd))
    assert 'MultiScaleDeformableAttention' not in log and 'FileClient' not in log
    teacher_ckpt = str(user_dir / 'teacher' / 'epoch_1.pth')

    # The distillation: an mmpretrain-style config; the teacher's model comes from its config.
    kd_cfg = KD_CFG.replace('{data}', data).replace('{teacher_ckpt}', teacher_ckpt).replace(
        '{teacher_cfg}', str(user_dir / 'teacher.py'))
    (user_dir / 'kd.py').write_text(kd_cfg)
    log = ok(run_tool([osp.join(ROOT, 'tools/train.py'), 'kd.py', '--work-dir', 'kd'], cwd=cwd))
    assert 'distill.loss_kd' in log and 'student.loss' in log
    kd_ckpt = str(user_dir / 'kd' / 'epoch_2.pth')

    # Test without the teacher's file: the teacher is not built or loaded.
    os.rename(teacher_ckpt, teacher_ckpt + '.moved')
    try:
        log = ok(run_tool([osp.join(ROOT, 'tools/test.py'), 'kd.py', kd_ckpt, '--work-dir',
                           'kd_test', '--out', 'kd_preds.pkl'], cwd=cwd))
        assert 'accuracy/top1' in log
        out = run_tool([osp.join(ROOT, 'tools/test.py'), 'kd.py', kd_ckpt,
                        '--evaluate-teacher'], cwd=cwd)
        assert out.returncode == 2 and 'model.teacher_ckpt' in out.stderr.strip().splitlines()[-2]
    finally:
        os.rename(teacher_ckpt + '.moved', teacher_ckpt)
    log = ok(run_tool([osp.join(ROOT, 'tools/test.py'), 'kd.py', kd_ckpt, '--work-dir',
                       'kd_test2', '--evaluate-teacher'], cwd=cwd))
    assert 'teacher/accuracy/top1' in log

    # Export, then the student through mmkd's test tool and mmpretrain's own.
    ok(run_tool([osp.join(ROOT, 'tools/model_converters/extract_student.py'), kd_ckpt,
                 'student.pth', '--config', 'kd.py', '--out-config', 'student_cfg.py'], cwd=cwd))
    exported = (user_dir / 'student_cfg.py').read_text()
    assert "default_scope = 'mmpretrain'" in exported and 'mmpretrain.' not in exported
    assert 'mmkd' not in exported
    with open(user_dir / 'kd_preds.pkl', 'rb') as f:
        kd_preds = pickle.load(f)
    for tool in (osp.join(ROOT, 'tools/test.py'), mmpretrain_test_tool()):
        ok(run_tool([tool, 'student_cfg.py', 'student.pth', '--work-dir', 'student_test',
                     '--out', 'student_preds.pkl'], cwd=cwd))
        with open(user_dir / 'student_preds.pkl', 'rb') as f:
            preds = pickle.load(f)
        assert len(preds) == len(kd_preds) == 24
        for a, b in zip(preds, kd_preds):
            torch.testing.assert_close(a['pred_score'], b['pred_score'])

    # init_model and the inferencer on image files, in a process that never imports mmkd.
    images = sorted(str(p) for p in (user_dir / 'data' / 'val').rglob('*.png'))
    script = NO_MMKD_INFERENCE.format(cfg='student_cfg.py', ckpt='student.pth', images=images,
                                      out='inferred.pkl')
    ok(run_tool(['-c', script], cwd=cwd))
    with open(user_dir / 'inferred.pkl', 'rb') as f:
        inferred = pickle.load(f)
    # CustomDataset lists val/<class>/<file> in sorted order, as `images` is.
    for scores, pred in zip(inferred, kd_preds):
        np.testing.assert_allclose(scores, pred['pred_score'].numpy(), rtol=1e-4, atol=1e-6)


def test_stock_bases_with_mmkd_default_scope_and_mmkd_bases(user_dir, teacher_ckpt):
    """The same kind of config with default_scope 'mmkd' and mmkd:: bases, plus a model named
    by cfg_path='mmkd::...': the scope rule holds either way."""
    (user_dir / 'kd_mmkd_scope.py').write_text(textwrap.dedent(f'''
        _base_ = ['mmkd::_base_/datasets/digits.py', 'mmkd::_base_/schedules/digits_40e.py',
                  'mmkd::_base_/default_runtime.py', 'mmkd::_base_/distillers/kd.py']
        model = dict(
            type='SingleTeacherDistill',
            architecture=dict(cfg_path='mmkd::demo/student_convnet_digits.py'),
            teacher=dict(cfg_path='mmkd::demo/student_convnet_digits.py',
                         backbone=dict(widths=(16, 32)), head=dict(in_channels=32)),
            teacher_ckpt={teacher_ckpt!r},
            distiller={{{{_base_.distiller}}}})
        data_preprocessor = dict(num_classes=10, mean=[78.0], std=[96.0], to_rgb=False)
        train_dataloader = dict(dataset=dict(num_train=64))
        train_cfg = dict(max_epochs=1)
    '''))
    ok(run_tool([osp.join(ROOT, 'tools/train.py'), 'kd_mmkd_scope.py', '--work-dir', 'ms'],
                cwd=str(user_dir)))
    assert (user_dir / 'ms' / 'epoch_1.pth').is_file()
