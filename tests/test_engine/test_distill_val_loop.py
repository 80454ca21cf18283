import pytest
import torch
from mmengine.runner import Runner

from helpers import digits_kd_config


@pytest.mark.parametrize('evaluate_teacher', [False, True])
def test_validation_reports_the_student_and_optionally_the_teacher(tmp_path, teacher_ckpt,
                                                                   evaluate_teacher):
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=1)
    cfg.val_cfg = dict(type='DistillValLoop', evaluate_teacher=evaluate_teacher)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert 'accuracy/top1' in metrics
    assert ('teacher/accuracy/top1' in metrics) == evaluate_teacher
    model = runner.model
    if evaluate_teacher:
        correct = total = 0
        for batch in runner.val_dataloader:
            data = model.data_preprocessor(batch, training=False)
            pred = model.teacher(data['inputs'], mode='tensor').argmax(1)
            labels = torch.cat([s.gt_label for s in data['data_samples']])
            correct += (pred == labels).sum().item()
            total += len(labels)
        assert metrics['teacher/accuracy/top1'] == pytest.approx(100 * correct / total)
        assert model._predictor is None  # back to the student afterwards


def test_test_loop_reports_the_teacher_on_request(tmp_path, teacher_ckpt):
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=1)
    cfg.test_cfg = dict(type='DistillTestLoop', evaluate_teacher=True)
    cfg.val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert {'accuracy/top1', 'teacher/accuracy/top1'} <= set(metrics)
    # The test split is the validation split here: both loops report the same teacher.
    assert metrics['teacher/accuracy/top1'] == pytest.approx(
        runner.val_loop.run()['teacher/accuracy/top1'])


def test_validation_names_the_models_of_a_multi_teacher_algorithm(tmp_path, teacher_ckpt):
    from mmkd.utils import KDConfigError
    from test_engine.test_resume import multi_teacher
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=1)
    multi_teacher(cfg, teacher_ckpt)
    cfg.val_cfg = dict(type='DistillValLoop', models=['t2'])
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert 't2/accuracy/top1' in metrics and not any(k.startswith('t1/') for k in metrics)
    runner.val_loop.models, runner.val_loop.evaluate_teacher = [], True
    assert {'t1/accuracy/top1', 't2/accuracy/top1'} <= set(runner.val_loop.run())
    runner.val_loop.models = ['t3']
    with pytest.raises(KDConfigError, match="DistillValLoop.models: .*no model 't3' to evaluate"):
        runner.val_loop.run()


def test_the_loop_is_mmengines_and_its_evaluator_adds_the_other_models(tmp_path, teacher_ckpt):
    from mmengine.runner import ValLoop
    from mmkd.engine.runner.distill_val_loop import DistillValLoop
    from mmkd.evaluation import ModelsEvaluator
    from mmkd.utils import KDConfigError
    # no copy of ValLoop.run: the loop runs MMEngine's, inside the comparison context only
    assert DistillValLoop.__mro__[1].run is not ValLoop.run and 'super().run()' in \
        __import__('inspect').getsource(DistillValLoop.__mro__[1].run)
    cfg = digits_kd_config(tmp_path, teacher_ckpt, epochs=1)
    cfg.val_cfg = dict(type='DistillValLoop', models='all')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert isinstance(runner.val_loop.evaluator, ModelsEvaluator)
    assert 'teacher/accuracy/top1' in runner.val_loop.run()
    with pytest.raises(KDConfigError, match='models must be a list of model names or "all"'):
        DistillValLoop(runner, runner.val_dataloader, cfg.val_evaluator, models='teacher')
