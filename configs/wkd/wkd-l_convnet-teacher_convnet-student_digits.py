# WKD-L on the digits CNNs (the CIFAR-100 setting of configs/_base_/distillers/wkd.py, without
# its cosine decay of the last 90 of 240 epochs).
_base_ = ['../_base_/digits_kd_run.py', '../_base_/distillers/wkd.py']
model = dict(
    architecture={{_base_.student_head}},
    distiller=dict(type='ConfigurableDistiller', input_shape=(1, 8, 8),
                   student_recorders={{_base_.logits_recorders}},
                   teacher_recorders={{_base_.logits_recorders}},
                   distill_losses={{_base_.wkd_l_losses}},
                   loss_forward_mappings={{_base_.wkd_l_mappings}}))
