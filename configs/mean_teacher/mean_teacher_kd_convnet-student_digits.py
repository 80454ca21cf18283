# Mean-teacher distillation on the digits: no separate teacher; the student's exponential
# moving average (momentum 0.99 per step, about 20 steps an epoch here) is the teacher, kept
# by EMATeacherHook and saved in checkpoints; KD towards it (tau 4, weight 0.1) next to the
# student's CE (weight 1). Weight 1 pulls the student towards its own lagging average and
# costs accuracy here (configs/mean_teacher/README.md).
_base_ = [
    '../_base_/models/digits/convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/logits.py'
]
model = dict(
    type='SingleTeacherDistill',
    architecture={{_base_.student_model}},
    teacher=None,  # a copy of the student's architecture
    teacher_policy='ema',
    teacher_ema_momentum=0.99,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders={{_base_.logits_recorders}},
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=0.1)),
        loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}})))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='EMATeacherHook'),
]
