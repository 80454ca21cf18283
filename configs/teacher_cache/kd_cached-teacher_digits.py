# KD on the shipped digits with the teacher's outputs read from a teacher-output cache
# (docs/teacher_cache.md): build it once, then train any number of students from it.
#   python tools/build_teacher_cache.py configs/teacher_cache/kd_cached-teacher_digits.py
#   python tools/train.py configs/teacher_cache/kd_cached-teacher_digits.py
# The same KD as configs/kd/kd_convnet-teacher_convnet-student_digits.py (tau 4, KD 0.9,
# CE 0.1); the teacher is neither built nor loaded in training. One augmentation slot per
# epoch (40), FKD's top-k form with k = 5 of 10 classes, stored as float16.
_base_ = ['../kd/kd_convnet-teacher_convnet-student_digits.py']
model = dict(teacher_cache=dict(dir='work_dirs/teacher_cache/digits_convnet_top5', topk=5))
train_dataloader = dict(
    dataset=dict(_delete_=True, type='ReplayableDataset', seed=0, num_slots=40,
                 dataset={{_base_.train_dataloader.dataset}}))
custom_hooks = [
    dict(type='SyncBuffersHook'), dict(type='RandomStateHook'),
    dict(type='ReplayAugmentationHook')
]
