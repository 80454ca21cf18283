# USKD self-distillation (Yang et al., ICCV 2023) on the digits CNN 8-16, no teacher: the
# student's logits and its stage-1 feature (8 channels, pooled by the loss) feed USKDLoss, whose
# weak classifier on that feature ranks the non-target classes; the reference's CIFAR-100
# weights (alpha 0.1, beta 0.1, mu 0.1), next to the student's CE (weight 1).
_base_ = [
    '../_base_/models/digits/self_distill_convnet.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py'
]
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        input_shape=(1, 8, 8),
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc'),
            mid=dict(type='ModuleOutputs', source='backbone.stages.0')),
        distill_losses=dict(loss_uskd=dict(type='USKDLoss', channels='auto', num_classes='auto',
                                           alpha=0.1, beta=0.1, mu=0.1)),
        loss_forward_mappings=dict(loss_uskd=dict(
            preds_S=dict(recorder='logits', source='student'),
            preds_T=dict(recorder='mid', source='student')))))
