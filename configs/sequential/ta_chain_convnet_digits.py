# A teacher-assistant chain (Mirzadeh et al., AAAI 2020) on the shipped digits: the 261k-parameter
# teacher -> a 19.6k assistant -> the 1.4k student, each hop vanilla KD (configs/kd), next to the
# student distilled straight from the teacher (direct=True). Run with
#   tools/train_sequence.py configs/sequential/ta_chain_convnet_digits.py
# after training the teacher (configs/demo/teacher_convnet_digits.py); see README.md.
_base_ = ['../_base_/models/digits/convnets.py']
kd = 'mmkd::kd/kd_convnet-teacher_convnet-student_digits.py'
sequence = dict(
    teacher=dict(model={{_base_.teacher_model}},
                 checkpoint='work_dirs/teacher_convnet_digits/epoch_40.pth'),
    hops=[
        dict(name='assistant', config=kd, overrides=dict(model=dict(architecture=dict(
            backbone=dict(widths=(32, 64)), head=dict(in_channels=64))))),
        dict(name='student', config=kd),
    ],
    direct=True,
)
