# DFAD with DeepInversion's BatchNorm statistics beside the adversarial discrepancy (weight 1):
# the generator's images keep the teacher's feature statistics. See README.md.
_base_ = ['./dfad_convnet-teacher_convnet-student_digits.py',
          '../_base_/distillers/bn_statistics.py']
model = dict(generator_distiller={{_base_.generator_bn_statistics}})
