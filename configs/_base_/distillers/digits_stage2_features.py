# The digits pair's last stage as the distilled feature: the student CNN 8-16's stage 2
# (16 channels, 4x4) and the teacher CNN 64-128's (128 channels, 4x4), after the ReLU
# (`stage2`) and before it (`stage2_pre`: the BN of the stage's last block). Method configs
# pick the recorders, the connectors and the loss.
stage2 = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1'))
# the pooled feature (the input of the classifier's fc layer), for embedding-space methods
pooled = dict(feat=dict(type='ModuleInputs', source='head.fc'))
student_stage2_pre = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1.0.bn'))
teacher_stage2_pre = dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1.1.bn'))
# conv + BN from the student's 16 channels to the teacher's 128 (the reference connectors of
# AB, OFD, CWD and PKD)
to_teacher = dict(type='ConvModuleConnector', in_channel=16, out_channel=128, kernel_size=1,
                  norm_cfg=dict(type='BN'), act_cfg=None)
feat_mapping = dict(
    preds_S=dict(recorder='feat', from_student=True),
    preds_T=dict(recorder='feat', from_student=False))
connected_mapping = dict(
    preds_S=dict(recorder='feat', from_student=True, connector='proj'),
    preds_T=dict(recorder='feat', from_student=False))
distiller = dict(type='ConfigurableDistiller', student_recorders=stage2, teacher_recorders=stage2)
