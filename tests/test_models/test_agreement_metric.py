"""TeacherStudentAgreement: top-1 agreement and predictive KL between teacher and student,
computed in validation by DistillValLoop."""
import math

import pytest
import torch

from mmkd.evaluation.metrics.teacher_student_agreement import (TeacherStudentAgreement,
                                                              predictive_kl, top1_agreement)
from mmkd.utils import KDConfigError

from helpers import LOGITS_KD, kd_model_cfg, train_and_validate


def test_agreement_and_kl_against_values_written_out():
    p_t = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.5, 0.0]], dtype=torch.float64)
    p_s = torch.tensor([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.8, 0.0]], dtype=torch.float64)
    assert top1_agreement(p_s, p_t).tolist() == [1.0, 0.0, 0.0]
    expected = [0.7 * math.log(0.7 / 0.6) + 0.2 * math.log(0.2 / 0.3),
                0.1 * math.log(0.1 / 0.5) + 0.3 * math.log(0.3 / 0.4) + 0.6 * math.log(6.0),
                0.5 * math.log(0.5 / 0.2) + 0.5 * math.log(0.5 / 0.8)]
    assert predictive_kl(p_t, p_s).tolist() == pytest.approx(expected, rel=1e-6)
    metric = TeacherStudentAgreement()
    metric.process(None, [dict(pred_score=s, teacher_pred_score=t) for s, t in zip(p_s, p_t)])
    result = metric.compute_metrics(metric.results)
    assert result['top1'] == pytest.approx(100 / 3)
    assert result['kl'] == pytest.approx(sum(expected) / 3, rel=1e-6)
    assert metric.prefix == 'agreement'


def test_without_the_distillation_loop_the_metric_says_what_is_missing():
    metric = TeacherStudentAgreement()
    with pytest.raises(KDConfigError, match="DistillValLoop"):
        metric.process(None, [dict(pred_score=torch.ones(3) / 3)])
    with pytest.raises(KDConfigError, match='one model'):
        TeacherStudentAgreement(models=['t1', 't2'])


def test_validation_reports_agreement_with_the_teacher(tmp_path, teacher_ckpt):
    from mmengine.runner import Runner
    model = kd_model_cfg(teacher_ckpt, LOGITS_KD)
    runner, metrics, _ = train_and_validate(tmp_path, model, ['teacher'], epochs=1,
                                            evaluator_extra=[dict(
                                                type='mmkd.TeacherStudentAgreement')])
    assert 0.0 <= metrics['agreement/top1'] <= 100.0 and metrics['agreement/kl'] >= 0.0
    # computed by hand on the validation set: the student's and the teacher's predictions
    algo = runner.model
    algo.eval()
    agree, kl, n = 0.0, 0.0, 0
    with torch.no_grad():
        for batch in runner.val_dataloader:
            data = algo.data_preprocessor(batch, False)
            p_s = torch.softmax(algo.student(data['inputs'], mode='tensor'), -1)
            p_t = torch.softmax(algo.teacher(data['inputs'], mode='tensor'), -1)
            agree += float(top1_agreement(p_s, p_t).sum())
            kl += float(predictive_kl(p_t, p_s).sum())
            n += len(p_s)
    assert metrics['agreement/top1'] == pytest.approx(100 * agree / n)
    assert metrics['agreement/kl'] == pytest.approx(kl / n, rel=1e-4)
    # a teacher the algorithm does not have is named
    with pytest.raises(KDConfigError, match="has no model 't9'"):
        with algo.compared_with(['t9']):
            pass
