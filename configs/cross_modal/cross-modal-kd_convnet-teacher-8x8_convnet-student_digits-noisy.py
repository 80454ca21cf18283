# Cross-modal KD with another degradation: the clean-view teacher reads each training image as
# it is, the student the same image under Gaussian noise (std 64 of 0..255, clipped), new noise
# at every epoch. Test images get noise fixed by their content (seed), the same at every
# evaluation. Everything else as the 4x4 config.
_base_ = ['./cross-modal-kd_convnet-teacher-8x8_convnet-student_digits-4x4.py']
train_pipeline = [dict(type='GaussianNoise', std=64.0), dict(type='mmpretrain.PackInputs')]
test_pipeline = [dict(type='GaussianNoise', std=64.0, seed=0), dict(type='mmpretrain.PackInputs')]
train_dataloader = dict(dataset=dict(views=dict(degraded=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
