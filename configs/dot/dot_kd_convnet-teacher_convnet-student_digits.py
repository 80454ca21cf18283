# KD trained with DOT on the digits CNNs (delta 0.075, the schedule's lr and weight decay;
# DOT's update has no Nesterov variant).
_base_ = ['../kd/kd_convnet-teacher_convnet-student_digits.py']
optim_wrapper = dict(type='DOTOptimWrapper', optimizer=dict(
    _delete_=True, type='DOTSGD', lr=0.05, momentum=0.9, delta=0.075, weight_decay=5e-4))
