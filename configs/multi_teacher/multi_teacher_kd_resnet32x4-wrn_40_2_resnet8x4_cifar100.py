# Two benchmark teachers of different families (resnet32x4, wrn_40_2) distilled into resnet8x4
# on CIFAR-100 through the average of their soft targets (tau 4, 0.9 KD / 0.1 CE). Teachers: the
# published checkpoints converted with tools/model_converters/mdistiller_to_mmkd.py.
_base_ = [
    '../_base_/datasets/cifar100.py', '../_base_/schedules/cifar100_240e.py',
    '../_base_/default_runtime.py', '../_base_/distillers/logits.py'
]
model = dict(
    type='MultiTeacherDistill',
    architecture=dict(cfg_path='mmkd::_base_/models/cifar/resnet8x4.py',
                      head=dict(loss=dict(loss_weight=0.1))),
    teachers=dict(
        resnet32x4=dict(model=dict(cfg_path='mmkd::_base_/models/cifar/resnet32x4.py'),
                        ckpt='checkpoints/cifar_teachers/resnet32x4.pth'),
        wrn_40_2=dict(model=dict(cfg_path='mmkd::_base_/models/cifar/wrn_40_2.py'),
                      ckpt='checkpoints/cifar_teachers/wrn_40_2.pth')),
    teacher_selection='all',
    distiller=dict(
        type='MultiTeacherDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders=dict(resnet32x4={{_base_.logits_recorders}},
                               wrn_40_2={{_base_.logits_recorders}}),
        distill_losses=dict(loss_kd=dict(
            type='MultiTeacherKLDivergence', tau=4.0, teacher_weights=[0.5, 0.5],
            loss_weight=0.9)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False, teacher='all')))))
