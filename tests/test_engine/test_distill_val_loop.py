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
