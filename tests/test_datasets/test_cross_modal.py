"""Cross-modal and cross-resolution distillation: the degradation transforms, each model on its
own view in the shipped cross-modal config (training, validation, tools/test.py), and a teacher
cache built on the teacher's clean view serving a student on its 4x4 view."""
import copy
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from helpers import ROOT
from mmkd.datasets import Downsample, GaussianNoise, Occlude

CROSS_MODAL = osp.join(ROOT, 'configs/cross_modal/'
                       'cross-modal-kd_convnet-teacher-8x8_convnet-student_digits-4x4.py')


def ramp():
    """8x8 uint8 image, pixel (r, c) = 4 * (8r + c): every 2x2 block has an integer mean."""
    return (np.arange(64).reshape(8, 8) * 4).astype(np.uint8)


# ------------------------------------------------------------------------- the transforms
def test_downsample_is_the_mean_of_each_block_in_the_input_dtype():
    img = ramp()
    # the top-left block holds 0, 4, 32, 36
    blocks = img.reshape(4, 2, 4, 2).astype(np.float64).mean(axis=(1, 3))
    assert blocks[0, 0] == 18 and blocks[3, 3] == 234
    out = Downsample(4)(dict(img=img, img_shape=(8, 8)))
    assert out['img'].dtype == np.uint8 and out['img_shape'] == (4, 4)
    np.testing.assert_array_equal(out['img'], blocks)
    # channels are resized apart; a float image keeps its dtype and is not rounded
    colour = Downsample(size=(4, 4))(dict(img=np.stack([img, 255 - img], -1)))['img']
    np.testing.assert_array_equal(colour[..., 1], 255 - blocks)
    small = Downsample(4)(dict(img=img.astype(np.float32) / 255))['img']
    assert small.dtype == np.float32
    np.testing.assert_allclose(small, blocks / 255, rtol=1e-6)
    # a mean over 2 pixels is rounded (half to even) in a uint8 image: 1.5 -> 2, 2.5 -> 2
    pairs = np.array([[1, 2, 2, 3]], np.uint8)
    np.testing.assert_array_equal(Downsample((1, 2))(dict(img=pairs))['img'], [[2, 2]])


def test_downsample_by_a_fractional_factor_weighs_pixels_by_the_area_they_share():
    img = np.array([[0, 3, 6], [9, 12, 15], [18, 21, 24]], np.float64)
    # each output pixel covers 1.5 x 1.5 input pixels: e.g. the top left one,
    # (1 * 0 + 0.5 * 3 + 0.5 * 9 + 0.25 * 12) / 2.25 = 4
    np.testing.assert_allclose(Downsample(2)(dict(img=img))['img'], [[4, 8], [16, 20]])


def test_downsample_can_go_back_to_the_original_size_by_repeating_each_pixel():
    img = ramp()
    low = Downsample(4)(dict(img=img))['img']
    out = Downsample(4, upsample=True)(dict(img=img, img_shape=(8, 8)))
    assert out['img'].shape == (8, 8) and out['img_shape'] == (8, 8)
    np.testing.assert_array_equal(out['img'], np.repeat(np.repeat(low, 2, 0), 2, 1))


def test_occlude_sets_exactly_the_square():
    img = np.full((8, 8, 3), 200, np.uint8)
    out = Occlude(3, value=7, position='center')(dict(img=img))['img']
    expected = img.copy()
    expected[2:5, 2:5] = 7  # (8 - 3) // 2 = 2: rows and columns 2, 3, 4, every channel
    np.testing.assert_array_equal(out, expected)
    assert img.min() == 200  # the input (shared with the other views) is left alone
    floats = Occlude(2, value=0.5, position='center')(dict(img=np.ones((4, 4), np.float32)))
    assert floats['img'].dtype == np.float32 and floats['img'][1:3, 1:3].tolist() == [[0.5] * 2] * 2


def test_a_random_occlusion_is_a_whole_square_anywhere_it_fits_drawn_from_numpy():
    img = np.full((8, 8), 9, np.uint8)
    occlude = Occlude(3)
    np.random.seed(0)
    corners = set()
    for _ in range(400):
        rows, cols = np.nonzero(occlude(dict(img=img))['img'] == 0)
        assert len(rows) == 9 and np.ptp(rows) == 2 and np.ptp(cols) == 2
        corners.add((rows.min(), cols.min()))
    assert corners == {(r, c) for r in range(6) for c in range(6)}
    np.random.seed(3)
    first = occlude(dict(img=img))['img']
    np.random.seed(3)
    np.testing.assert_array_equal(occlude(dict(img=img))['img'], first)


def test_seeded_noise_depends_only_on_the_image_and_is_clipped():
    img = np.full((64, 64), 128, np.uint8)
    noisy = GaussianNoise(std=10.0, seed=5)(dict(img=img))['img']
    assert noisy.dtype == np.uint8
    np.random.seed(0)  # the global generator plays no part
    np.testing.assert_array_equal(GaussianNoise(std=10.0, seed=5)(dict(img=img.copy()))['img'],
                                  noisy)
    assert not np.array_equal(GaussianNoise(std=10.0, seed=6)(dict(img=img))['img'], noisy)
    other = img.copy()
    other[0, 0] = 129  # another image: other noise everywhere
    diff = GaussianNoise(std=10.0, seed=5)(dict(img=other))['img'].astype(int) - other
    assert not np.array_equal(diff[1:], noisy[1:].astype(int) - 128)
    added = noisy.astype(np.float64) - 128
    assert abs(added.mean()) < 0.5 and abs(added.std() - 10) < 0.5  # 4096 draws of N(0, 10^2)
    # std 1000: about 90% of the pixels leave 0..255 and are clipped to its ends (a cast
    # alone would wrap them around)
    saturated = GaussianNoise(std=1000.0, seed=0)(dict(img=img))['img']
    ends = (saturated == 0) | (saturated == 255)
    assert saturated.min() == 0 and saturated.max() == 255 and ends.mean() > 0.8


def test_unseeded_noise_draws_from_numpys_generator_and_clips_to_the_value_range():
    img = np.full((16, 16), 0.5, np.float32)
    noise = GaussianNoise(std=0.3, value_range=(0.0, 1.0))
    np.random.seed(1)
    first = noise(dict(img=img))['img']
    np.random.seed(1)
    np.testing.assert_array_equal(noise(dict(img=img))['img'], first)
    assert not np.array_equal(noise(dict(img=img))['img'], first)  # new noise at each call
    assert first.dtype == np.float32 and first.min() == 0.0 and first.max() == 1.0


@pytest.mark.parametrize('build, match', [
    (lambda: Downsample(0), r'Downsample\.size must be a positive int or a pair \(h, w\)'),
    (lambda: Downsample((4, 4, 4)), r'Downsample\.size .* got \(4, 4, 4\)'),
    (lambda: Downsample(4.0), r'Downsample\.size .* got 4\.0'),
    (lambda: Downsample(4, upsample='no'), r'Downsample\.upsample must be True or False'),
    (lambda: Occlude(-2), r'Occlude\.size must be a positive int, got -2'),
    (lambda: Occlude(2, value='black'), r'Occlude\.value must be a number'),
    (lambda: Occlude(2, position='corner'),
     r"Occlude\.position='corner' is not valid; choose one of \('random', 'center'\)"),
    (lambda: GaussianNoise(0), r'GaussianNoise\.std must be a positive number, got 0'),
    (lambda: GaussianNoise(8.0, seed=-1), r'GaussianNoise\.seed must be None or an int >= 0'),
    (lambda: GaussianNoise(8.0, value_range=(255, 0)),
     r'GaussianNoise\.value_range must be a pair \(low, high\) .* low < high'),
], ids=['size-0', 'size-3', 'size-float', 'upsample', 'occlude-size', 'value', 'position',
        'std', 'seed', 'value-range'])
def test_bad_arguments_are_refused_naming_the_argument_and_what_is_valid(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_a_degradation_that_does_not_fit_the_image_says_so():
    img = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match=r'Downsample\.size=\(16, 16\) is larger than the '
                                         r'image \(8, 8\)'):
        Downsample(16)(dict(img=img))
    with pytest.raises(ValueError, match=r'Occlude\.size=9 does not fit in the image \(8, 8\)'):
        Occlude(9)(dict(img=img))
    with pytest.raises(ValueError, match=r'Occlude\.value=300 is outside the range of uint8 '
                                         r'images \[0, 255\]'):
        Occlude(2, value=300)(dict(img=img))


def test_pipelines_build_them_by_name_and_show_every_argument():
    from mmengine.dataset import Compose
    from mmkd.utils.scopes import mmkd_scope
    with mmkd_scope():
        pipeline = Compose([dict(type='Downsample', size=4),
                            dict(type='Occlude', size=2, position='center'),
                            dict(type='GaussianNoise', std=8.0, seed=1),
                            dict(type='mmpretrain.PackInputs')])
    # a teacher cache compares pipelines by these
    assert [repr(t) for t in pipeline.transforms[:3]] == [
        'Downsample(size=(4, 4), upsample=False)', "Occlude(size=2, value=0, position='center')",
        'GaussianNoise(std=8.0, seed=1, value_range=(0, 255))']
    packed = pipeline(dict(img=ramp()[..., None], gt_label=3))
    assert packed['inputs'].shape == (1, 4, 4)


# ------------------------------------------------------------------------- the config
def confident_teacher(model_cfg, folder):
    """A checkpoint of a random-weight teacher whose classifier's weights are multiplied by 30:
    its predictions (still a fixed function of the clean image) are confident, so the KD term
    has something to teach (a random teacher's are close to uniform)."""
    from step_reference import teacher_checkpoint
    path = teacher_checkpoint(model_cfg, folder, 'teacher')
    ckpt = torch.load(path, weights_only=True)
    for key in ('head.fc.weight', 'head.fc.bias'):
        ckpt['state_dict'][key] *= 30
    torch.save(ckpt, path)
    return path


def small_run_config(work_dir, epochs=3):
    """The shipped cross-modal config on 256 training images, a confident random teacher."""
    cfg = Config.fromfile(CROSS_MODAL)
    cfg.model.teacher_ckpt = confident_teacher(cfg.model.teacher, work_dir)
    cfg.work_dir = str(work_dir / 'work')
    cfg.train_dataloader.dataset.dataset.num_train = 256
    cfg.train_dataloader.batch_size = 32
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler = dict(type='CosineAnnealingLR', T_max=epochs, by_epoch=True)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.log_level = 'WARNING'
    return cfg


def input_shapes(models):
    """name -> set of the input shapes (without the batch) each model's forward was given."""
    seen = {name: set() for name in models}
    for name, model in models.items():
        model.register_forward_pre_hook(
            lambda module, args, name=name: seen[name].add(tuple(args[0].shape[1:])))
    return seen


def test_the_cross_modal_config_gives_each_model_its_view_and_lowers_the_loss(tmp_path):
    from mmkd.cli.test import main as test_main
    from mmkd.engine.runner import build_runner
    cfg = small_run_config(tmp_path)
    runner = build_runner(copy.deepcopy(cfg))
    model = runner.model
    seen = input_shapes(dict(teacher=model.teacher, student=model.student))
    runner.train()
    # training: the teacher on the clean 8x8 image, the student on its 4x4 version;
    # validation (the end of training): the student alone, on 4x4
    assert seen == dict(teacher={(1, 8, 8)}, student={(1, 4, 4)})
    scalars = runner.message_hub.log_scalars
    for key in ('train/loss', 'train/distill.loss_kd'):  # the last epoch's against the first's
        losses = scalars[key].data[0]
        assert len(losses) == 24 and losses[-8:].mean() < 0.8 * losses[:8].mean(), key
    assert 'val/accuracy/top1' in scalars

    # tools/test.py on the checkpoint predicts what the student predicts on 4x4 test images
    config, preds = tmp_path / 'run.py', tmp_path / 'preds.pkl'
    cfg.dump(str(config))
    metrics = test_main([str(config), osp.join(cfg.work_dir, 'epoch_3.pth'), '--threads', '1',
                         '--work-dir', str(tmp_path / 'test'), '--out', str(preds)])
    with open(preds, 'rb') as f:
        predicted = torch.tensor([int(p['pred_label'][0]) for p in pickle.load(f)])
    from mmkd.registry import DATASETS
    dataset = DATASETS.build(copy.deepcopy(cfg.test_dataloader.dataset))
    images = torch.stack([dataset[i]['inputs'] for i in range(len(dataset))]).float()
    assert images.shape[1:] == (1, 4, 4)
    model.eval()
    with torch.no_grad():
        own = model.student((images - 78.0) / 96.0, mode='tensor').argmax(1)
    assert torch.equal(predicted, own)
    labels = torch.tensor([dataset[i]['data_samples'].gt_label.item()
                           for i in range(len(dataset))])
    assert metrics['accuracy/top1'] == pytest.approx(100 * (own == labels).float().mean().item())


def test_a_two_view_validation_set_evaluates_the_teacher_on_its_view(tmp_path):
    """The shipped configs test the student on its own view only; with both views in the
    validation set, the teacher's metric is on its clean view and the student's on 4x4."""
    from mmkd.engine.runner import build_runner
    cfg = small_run_config(tmp_path)
    train_set = cfg.train_dataloader.dataset
    cfg.val_dataloader.dataset = dict(
        type='MultiViewDataset', views=train_set.views,
        dataset=dict(type='DigitsDataset', split='test', pipeline=[]))
    cfg.val_cfg = dict(type='DistillValLoop', models=['teacher'])
    cfg.train_cfg = None
    for key in ('train_dataloader', 'optim_wrapper', 'param_scheduler'):
        cfg.pop(key)
    runner = build_runner(cfg)
    model = runner.model
    seen = input_shapes(dict(teacher=model.teacher, student=model.student))
    metrics = runner.val()
    assert seen == dict(teacher={(1, 8, 8)}, student={(1, 4, 4)})
    assert {'accuracy/top1', 'teacher/accuracy/top1'} <= set(metrics)


def test_a_teacher_cache_built_on_the_clean_view_serves_the_4x4_student(tmp_path,
                                                                        teacher_ckpt):
    from test_datasets.test_multi_view import multi_view_cache
    from test_engine.test_teacher_cache import PIPELINE, step_losses
    views = dict(clean=[dict(type='mmpretrain.PackInputs')],
                 degraded=[dict(type='Downsample', size=4), dict(type='mmpretrain.PackInputs')])
    # the shift and flip (PIPELINE without its packing) are shared by both views
    cfg, meta, live_model, cached, batch = multi_view_cache(
        tmp_path, teacher_ckpt, PIPELINE[:-1], views,
        dict(teacher='clean', student='degraded'))
    assert meta['complete'] and 'degraded: Downsample(size=(4, 4), upsample=False)' in \
        meta['data']['pipeline']
    # the cache holds the teacher's logits on the clean 8x8 view of each sample
    data = live_model.data_preprocessor(copy.deepcopy(batch), True)
    assert data['inputs']['clean'].shape[1:] == (1, 8, 8)
    assert data['inputs']['degraded'].shape[1:] == (1, 4, 4)
    live_model.teacher.eval()  # as a frozen teacher runs
    with torch.no_grad():
        on_clean = live_model.teacher(data['inputs']['clean'], mode='tensor')
    stored = cached.teacher_cache.cache.lookup(data['data_samples'])
    torch.testing.assert_close(stored, on_clean, rtol=1e-5, atol=1e-5)
    # and a cached step, the student on 4x4, computes the losses of a live one
    seen = input_shapes(dict(student=cached.student))
    expected, got = step_losses(live_model, batch), step_losses(cached, batch)
    assert seen == dict(student={(1, 4, 4)})
    for k in expected:
        assert got[k] == pytest.approx(expected[k], rel=1e-6, abs=1e-7), k


def test_the_cross_modal_student_exports_as_a_classifier_of_its_own_view():
    from mmengine.dataset import pseudo_collate
    from mmpretrain.apis import init_model
    from mmkd.cli.extract_student import student_config
    cfg = student_config(osp.join(
        ROOT, 'configs/cross_modal/cross-modal-kd_convnet-teacher-8x8_convnet-student_digits-4x4.py'))
    assert cfg.model.data_preprocessor.type == 'ClsDataPreprocessor'  # one view's
    model = init_model(cfg, device='cpu')
    from mmkd.datasets import DigitsDataset
    test = DigitsDataset(split='test', pipeline=cfg.test_dataloader.dataset.pipeline)
    assert test[0]['inputs'].shape == (1, 4, 4)
    data = model.data_preprocessor(pseudo_collate([test[i] for i in range(3)]))
    assert model(data['inputs'], mode='tensor').shape == (3, 10)
