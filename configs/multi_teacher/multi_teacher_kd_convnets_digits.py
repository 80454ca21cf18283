# Two digits teachers (e.g. the demo teacher trained with two seeds) distilled into the small
# student through the average of their soft targets (tau 4, 0.9 KD / 0.1 CE). Set
# teacher_selection='random' to draw one teacher per step instead.
_base_ = [
    '../_base_/models/digits/student_in_algorithm.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/logits.py'
]
model = dict(
    type='MultiTeacherDistill',
    architecture=dict(head=dict(loss=dict(loss_weight=0.1))),  # the student's own CE at 0.1
    teachers=dict(
        t1=dict(model={{_base_.teacher_model}},
                ckpt='work_dirs/demo/teacher_seed0/epoch_40.pth'),
        t2=dict(model={{_base_.teacher_model}},
                ckpt='work_dirs/demo/teacher_seed1/epoch_40.pth')),
    teacher_selection='all',
    distiller=dict(
        type='MultiTeacherDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders=dict(t1={{_base_.logits_recorders}}, t2={{_base_.logits_recorders}}),
        distill_losses=dict(loss_kd=dict(
            type='MultiTeacherKLDivergence', tau=4.0, teacher_weights=[0.5, 0.5],
            loss_weight=0.9)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False, teacher='all')))))
