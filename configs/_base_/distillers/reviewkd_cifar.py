# ReviewKD (Chen et al. 2021) as mdistiller runs it on CIFAR-100: the student's stage outputs
# (after the ReLU) and pooled feature, fused deepest first by ReviewKDFusion, against the
# teacher's pre-ReLU stage outputs and pooled feature with the hierarchical context loss
# (weight 1; mdistiller's config for resnet32x4 -> resnet8x4 uses 5), warmed up linearly over
# the first 20 epochs, next to the student's CE (weight 1). Pair configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
reviewkd_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='LossWeightScheduleHook',
         schedules=dict(loss_review=dict(type='LinearWarmupWeight', warmup=20)))
]

def _review(student, teacher, mappings, weight=1.0):
    return dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=student,
                teacher_recorders=teacher,
                connectors=dict(review=dict(type='ReviewKDFusion', in_channels='auto',
                                            out_channels='auto', out_sizes='auto')),
                distill_losses=dict(loss_review=dict(type='HCLLoss', loss_weight=weight)),
                loss_forward_mappings=mappings)


# the whole distiller for networks of 3 stages and of 4, the fusion sized by the pair ('auto');
# `reviewkd_distiller3_w5`: HCL weight 5, mdistiller's for resnet32x4 -> resnet8x4
reviewkd_distiller3 = _review({{_base_.review_student3}}, {{_base_.review_teacher3}},
                              {{_base_.review_mappings3}})
reviewkd_distiller4 = _review({{_base_.review_student4}}, {{_base_.review_teacher4}},
                              {{_base_.review_mappings4}})
reviewkd_distiller3_w5 = _review({{_base_.review_student3}}, {{_base_.review_teacher3}},
                                 {{_base_.review_mappings3}}, weight=5.0)
custom_hooks = reviewkd_hooks
