"""ONNX export: float and int8 files checked in onnxruntime against the PyTorch student, from a
student config, a distillation config, and mmkd-extract-student's output."""
import json
import os.path as osp

import numpy as np
import onnx
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import ROOT, STUDENT, digits_kd_config, run_tool
from mmkd.cli.export_onnx import main as export_onnx
from mmkd.cli.extract_student import extract_student, student_config
from mmkd.deploy import ort_session

QAT_STUDENT = osp.join(ROOT, 'configs/quantization/qat-w8a8_convnet-student_digits.py')


@pytest.fixture(scope='module')
def qat_student(tmp_path_factory):
    """The digits CNN 64-128 with 8-bit weights and activations, trained alone for 8 epochs
    (the 8-16 student learns too slowly for a short test: near-equal logits would make the
    agreement a matter of ties)."""
    work = tmp_path_factory.mktemp('qat')
    cfg = Config.fromfile(QAT_STUDENT)
    cfg.model.model = cfg.teacher_model
    cfg.work_dir = str(work)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
    cfg.param_scheduler = dict(type='CosineAnnealingLR', T_max=8, by_epoch=True)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=8)
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    cfg.dump(str(work / 'config.py'))
    return str(work / 'config.py'), str(work / 'epoch_8.pth')


def test_the_int8_file_keeps_the_quantized_students_predictions(qat_student, tmp_path):
    report = export_onnx([*qat_student, str(tmp_path / 'float.onnx'), '--int8',
                          str(tmp_path / 'int8.onnx'), '--report', str(tmp_path / 'r.json')])
    assert report == json.loads((tmp_path / 'r.json').read_text())
    # fake-quantized in float: a rounding at a step's edge may flip, moving a logit a little
    assert report['float']['max_abs_diff'] <= 0.1 and report['float']['samples'] == 540
    assert report['float']['top1_agreement'] >= 0.995
    int8 = report['int8']
    assert int8['top1_agreement'] >= 0.99, int8
    assert int8['torch_accuracy'] > 90 and abs(int8['onnx_accuracy'] - int8['torch_accuracy']) <= 1
    assert int8['bytes'] < 0.5 * report['float']['bytes']
    # integer kernels: int8 weights, uint8 activations, and any batch size
    graph = onnx.load(str(tmp_path / 'int8.onnx')).graph
    weights = {i.data_type for i in graph.initializer if i.data_type in (
        onnx.TensorProto.INT8, onnx.TensorProto.UINT8)}
    assert weights == {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}
    assert sum(n.op_type == 'QuantizeLinear' for n in graph.node) >= 3
    session = ort_session(str(tmp_path / 'int8.onnx'))
    for batch in (1, 7):
        logits = session.run(None, {'inputs': np.zeros((batch, 1, 8, 8), np.float32)})[0]
        assert logits.shape == (batch, 10)


def test_a_failed_check_ends_the_command_with_what_failed(qat_student, tmp_path):
    out = run_tool(['tools/model_converters/export_onnx.py', *qat_student,
                    str(tmp_path / 'f.onnx'), '--int8', str(tmp_path / 'i.onnx'),
                    '--min-agreement', '1.01', '--check-samples', '64'])
    assert out.returncode == 1, out.stderr[-2000:]
    assert 'check failed: the float file agrees on' in out.stderr
    assert '; the int8 file agrees on' in out.stderr
    assert 'on 64 images' in out.stdout


@pytest.fixture(scope='module')
def kd_run(tmp_path_factory, teacher_ckpt):
    """Two epochs of KD into a 4-bit student; its config and checkpoint."""
    work = tmp_path_factory.mktemp('kd')
    cfg = digits_kd_config(work, teacher_ckpt)
    cfg.model.architecture = dict(type='mmkd.QuantizedModel', model=STUDENT,
                                  quantizer=dict(type='BrevitasQuantizer', weight_bits=4))
    Runner.from_cfg(cfg).train()
    config = work / 'kd.py'
    cfg.dump(str(config))
    return str(config), str(work / 'epoch_2.pth')


def test_a_distillation_checkpoint_and_its_extracted_student_export_the_same(kd_run, tmp_path):
    config, ckpt = kd_run
    direct = export_onnx([config, ckpt, str(tmp_path / 'direct.onnx')])
    extract_student(ckpt, str(tmp_path / 'student.pth'))
    student_config(config).dump(str(tmp_path / 'student.py'))
    extracted = export_onnx([str(tmp_path / 'student.py'), str(tmp_path / 'student.pth'),
                             str(tmp_path / 'extracted.onnx')])
    for report in (direct, extracted):
        assert report['float']['top1_agreement'] >= 0.99
    assert not (tmp_path / 'direct.onnx.data').exists()  # one file, weights inside
    # the extracted student is the quantized classifier for mmpretrain's tools too
    from mmpretrain.apis import init_model
    model = init_model(str(tmp_path / 'student.py'), str(tmp_path / 'student.pth'), device='cpu')
    assert type(model.get_submodule('backbone.stages.0.0.conv')).__name__ == 'QuantConv2d'

    images = np.random.RandomState(0).uniform(0, 16, (5, 1, 8, 8)).astype(np.float32)
    a, b = (ort_session(str(tmp_path / f)).run(None, {'inputs': images})[0]
            for f in ('direct.onnx', 'extracted.onnx'))
    np.testing.assert_array_equal(a, b)


def test_a_checkpoint_of_another_model_is_refused_with_the_file(kd_run, tmp_path):
    from mmkd.utils.config_errors import KDConfigError
    with pytest.raises(KDConfigError, match='does not hold the model of'):
        export_onnx([QAT_STUDENT, kd_run[1], str(tmp_path / 'x.onnx')])


def test_a_float_student_exports_and_quantizes_after_training(tmp_path, teacher_ckpt):
    # the digits teacher of the tests: float, mmpretrain's classifier; int8 by calibration (PTQ)
    config = tmp_path / 'float.py'
    config.write_text(f"_base_ = ['{ROOT}/configs/demo/student_convnet_digits.py']\n"
                      "model = dict(backbone=dict(widths=(16, 32)), head=dict(in_channels=32))\n")
    report = export_onnx([str(config), teacher_ckpt, str(tmp_path / 'f.onnx'), '--int8',
                          str(tmp_path / 'i.onnx'), '--min-agreement', '0',
                          '--calib-samples', '64'])
    assert report['float']['max_abs_diff'] <= 1e-4
    ops = {n.op_type for n in onnx.load(str(tmp_path / 'f.onnx')).graph.node}
    assert 'BatchNormalization' not in ops and 'Conv' in ops  # batch norms folded
    assert report['int8']['samples'] == 540


@pytest.mark.parametrize('missing,says', [('onnxruntime', 'ONNX export needs onnx'),
                                          ('brevitas', 'needs Brevitas')])
def test_without_the_deploy_extras_a_command_says_in_one_line_what_to_install(tmp_path, missing,
                                                                             says):
    import subprocess
    import sys
    from helpers import PY
    command = (['tools/model_converters/export_onnx.py', QAT_STUDENT, 'none.pth', 'x.onnx']
               if missing == 'onnxruntime' else ['tools/train.py', QAT_STUDENT])
    script = (f'import sys, runpy; sys.modules[{missing!r}] = None; '
              f'sys.argv = {command!r}; runpy.run_path(sys.argv[0], run_name="__main__")')
    out = subprocess.run([PY, '-c', script], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path),
                                           'PYTHONWARNINGS': 'ignore'})
    assert out.returncode == 2, out.stderr[-2000:]
    said = [line for line in out.stderr.splitlines() if line.startswith('mmkd: ')]
    assert len(said) == 1 and says in said[0] and 'pip install "mmkd[deploy]"' in said[0], said
    assert 'Traceback' not in out.stderr
