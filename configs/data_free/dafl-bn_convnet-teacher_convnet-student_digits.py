# DAFL with DeepInversion's BatchNorm statistics as a fourth generator loss (weight 1): see
# README.md.
_base_ = ['./dafl_convnet-teacher_convnet-student_digits.py',
          '../_base_/distillers/bn_statistics.py']
model = dict(generator_distiller={{_base_.generator_bn_statistics}})
