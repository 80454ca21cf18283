"""SKD's two terms against torchdistill's losses and the authors' code, written out."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import SKDDirectionLoss, SKDInstanceLoss


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return (torch.randn(16, 10, generator=g).double() * 3,
            torch.randn(16, 10, generator=g).double() * 4)


def torchdistill_direction(student_logits, teacher_logits, tikhonov=0.1):
    student_gram = F.normalize(student_logits, p=2, dim=1)
    teacher_gram = F.normalize(teacher_logits, p=2, dim=1)
    student_gram = torch.mm(student_gram, student_gram.t())
    teacher_gram = torch.mm(teacher_gram, teacher_gram.t())
    diff = student_gram - teacher_gram
    cov_matrix = torch.cov(diff.t()) + tikhonov * torch.eye(diff.size(1), dtype=diff.dtype)
    inv_cov_matrix = torch.cholesky_inverse(torch.linalg.cholesky(cov_matrix))
    return torch.sqrt(torch.einsum('bi,ij,bj->b', diff, inv_cov_matrix, diff)).mean()


def torchdistill_instance(student_logits, teacher_logits, temperature=4.0):
    return F.kl_div(torch.log_softmax(student_logits / temperature, dim=1),
                    torch.softmax(teacher_logits / temperature, dim=1), reduction='batchmean')


def authors_losses(logits_student, logits_teacher, temperature=4.0, tik=0.1, kd=0.9):
    """StreamLined's SKD.forward_train, the CE left out."""
    pred_teacher = F.softmax(logits_teacher.detach(), dim=1)
    confidence = pred_teacher.max(dim=1)[0].detach()
    mask = confidence.le(np.percentile(confidence.numpy().flatten(), 50)).bool()
    class_confidence = torch.sum(pred_teacher, dim=0).detach()
    class_conf_mask = class_confidence.le(
        np.percentile(class_confidence.numpy().flatten(), 50)).bool()
    kd_loss = F.kl_div(F.log_softmax(logits_student / temperature, dim=1),
                       F.softmax(logits_teacher / temperature, dim=1),
                       reduction='none').sum(1).mean() * temperature**2
    C = logits_student.size(1)
    s = F.normalize(logits_student, p=2, dim=1)
    t = F.normalize(logits_teacher, p=2, dim=1)
    diff = torch.mm(s, s.T) / C - torch.mm(t, t.T) / C
    cov = torch.cov(diff.T) + tik * torch.eye(diff.size(1), dtype=diff.dtype)
    inv = torch.cholesky_inverse(torch.linalg.cholesky(cov))
    skd = torch.sqrt(torch.einsum('bi,ij,bj->b', diff, inv, diff)).mean()
    return kd * (kd_loss * mask).mean(), kd * (skd * class_conf_mask).mean()


def test_the_defaults_are_torchdistills(logits):
    s, t = logits
    torch.testing.assert_close(SKDDirectionLoss()(s, t), torchdistill_direction(s, t))
    torch.testing.assert_close(SKDInstanceLoss()(s, t), torchdistill_instance(s, t))


def test_the_authors_form(logits):
    s, t = logits
    kd, bc = authors_losses(s, t)
    torch.testing.assert_close(
        SKDInstanceLoss(tau_squared=True, confidence_mask=True, loss_weight=0.9)(s, t), kd)
    torch.testing.assert_close(
        SKDDirectionLoss(gram_scale='classes', confidence_mask=True, loss_weight=0.9)(s, t), bc)


def test_gradients_reach_the_student_only(logits):
    s, t = logits
    s = s.clone().requires_grad_()
    t = t.clone().requires_grad_()
    (SKDDirectionLoss()(s, t) + SKDInstanceLoss()(s, t)).backward()
    assert s.grad.abs().sum() > 0 and t.grad is None
    with pytest.raises(ValueError, match='B >= 2'):
        SKDDirectionLoss()(s[:1], t[:1])
