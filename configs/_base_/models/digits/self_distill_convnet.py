# The digits student CNN 8-16 inside SelfDistill (no teacher); method configs add the exits,
# the distiller and the losses.
_base_ = ['./convnets.py']
model = dict(type='SelfDistill', architecture={{_base_.student_model}})
