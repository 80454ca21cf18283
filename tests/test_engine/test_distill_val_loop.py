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
