# The "universe knowledge" control of Tang et al. (2020): the student alone with label smoothing
# (mmpretrain's LabelSmoothLoss, epsilon 0.1), no teacher.
_base_ = ['../demo/student_convnet_digits.py']
model = dict(head=dict(loss=dict(
    _delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
