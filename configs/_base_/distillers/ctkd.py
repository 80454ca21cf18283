# CTKD (Li et al., AAAI 2023), the reference's CIFAR-100 setting: KD (weight 0.9, CE 0.1) at a
# learnable global temperature 1 + 20 sigmoid(theta), trained adversarially through a gradient
# reversal whose factor follows a cosine from 0 to -1 over the first 10 epochs
# (CurriculumTemperatureHook; `ctkd_hooks`).
_base_ = ['./kd.py']
distiller = dict(distill_losses=dict(loss_kd=dict(
    tau=dict(_delete_=True, type='CurriculumTemperature', t_start=1.0, t_range=20.0))))
ctkd_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateHook'),
    dict(type='CurriculumTemperatureHook', loops=10),
]
