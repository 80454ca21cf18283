# Vanilla KD (Hinton et al. 2015) on the shipped digits data: tau=4, CE weight 0.1, KD 0.9.
# Train the teacher first (configs/demo/teacher_convnet_digits.py) and pass its checkpoint:
#   python tools/train.py THIS_CONFIG --cfg-options model.teacher_ckpt=work_dirs/.../epoch_40.pth
_base_ = [
    '../_base_/models/digits/kd_convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=0.1))),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(recorder='logits', from_student=True),
                preds_T=dict(recorder='logits', from_student=False)))))
