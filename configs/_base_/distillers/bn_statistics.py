# DeepInversion's BatchNorm statistics (Yin et al., CVPR 2020) as a generator loss: the batch
# statistics of the synthesized images at every BatchNorm of the teacher's backbone against its
# running statistics. Merged into a data-free config's generator_distiller.
generator_bn_statistics = dict(
    teacher_recorders=dict(bn=dict(type='BatchNormStatistics', source='backbone')),
    distill_losses=dict(loss_bn=dict(type='BNStatisticsLoss', loss_weight=1.0)),
    loss_forward_mappings=dict(loss_bn=dict(stats=dict(recorder='bn', from_student=False))))
