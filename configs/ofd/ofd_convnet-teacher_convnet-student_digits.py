# Overhaul of feature distillation (Heo et al. 2019): pre-ReLU last-stage maps, the student's
# through a conv-BN connector, the teacher's raised to the margin of its BN (OFDTeacherConnector);
# mdistiller's CIFAR weight 1e-3 on the summed partial L2, next to the student's own CE; the
# teacher's BN layers run in train mode (batch statistics), as mdistiller keeps its teacher.
_base_ = ['../_base_/digits_feature_kd_pre_relu.py']
model = dict(
    teacher_norm_train=True,
    distiller=dict(
        connectors=dict(
            margin=dict(type='OFDTeacherConnector', bn='backbone.stages.1.1.bn', channels=128)),
        distill_losses=dict(loss_ofd=dict(type='OFDLoss', loss_weight=0.001)),
        loss_forward_mappings=dict(
            loss_ofd=dict(
                preds_S=dict(recorder='feat', from_student=True, connector='proj'),
                preds_T=dict(recorder='feat', from_student=False, connector='margin')))))
