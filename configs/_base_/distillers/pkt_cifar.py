# Probabilistic knowledge transfer (Passalis & Tefas 2018) as RepDistiller runs it on
# CIFAR-100: the pooled features, weight 30000, next to the student's CE (weight 1).
_base_ = ['./cifar_stage_taps.py']
pkt_distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat={{_base_.pooled}}),
    teacher_recorders=dict(feat={{_base_.pooled}}),
    distill_losses=dict(loss_pkt=dict(type='PKTLoss', loss_weight=30000.0)),
    loss_forward_mappings=dict(loss_pkt={{_base_.feat_mapping}}))
