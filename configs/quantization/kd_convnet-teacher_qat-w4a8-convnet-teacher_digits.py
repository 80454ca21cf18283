# "The student is the teacher, quantized": the teacher CNN 64-128 starts from the float
# teacher's own weights and fine-tunes with 4-bit weights and 8-bit activations under KD from
# that float teacher (10 epochs at a tenth of the learning rate). The w2 config changes
# weight_bits only. See README.md in this folder.
_base_ = ['./kd_convnet-teacher_qat-w8a8-convnet-student_digits.py']
model = dict(architecture=dict(
    quantizer=dict(weight_bits=4),
    model=dict(backbone={{_base_.teacher_model.backbone}},
               head=dict(in_channels={{_base_.teacher_model.head.in_channels}}),
               init_cfg=dict(type='Pretrained', checkpoint={{_base_.model.teacher_ckpt}}))))
optim_wrapper = dict(optimizer=dict(lr=0.005))
param_scheduler = dict(T_max=10)
train_cfg = dict(max_epochs=10)
