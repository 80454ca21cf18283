# In-batch contrastive KD with feature-space embedding (Ye, Chen & Lai 2023) on CIFAR-100:
# the student's pooled feature embedded into the teacher's pooled-feature space by a linear
# projector, InfoNCE over the batch's teacher features (gathered from every process), tau
# 0.1, weight 1, next to the student's CE. No published CIFAR-100 setting: see
# configs/fsecd/README.md for the choices. Pair configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
fsecd_losses = dict(loss_fsecd=dict(type='InBatchContrastiveLoss', tau=0.1, loss_weight=1.0))
fsecd_mappings = dict(loss_fsecd=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False)))
# the whole distiller, the projector sized by the pair ('auto')
fsecd_distiller = dict(
    type='ConfigurableDistiller', input_shape=(3, 32, 32),
    student_recorders=dict(feat={{_base_.pooled}}), teacher_recorders=dict(feat={{_base_.pooled}}),
    connectors=dict(proj=dict(type='LinearConnector', in_channels='auto', out_channels='auto')),
    distill_losses=fsecd_losses, loss_forward_mappings=fsecd_mappings)
