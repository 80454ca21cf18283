# Recorders on the CIFAR zoo's named taps (backbone.taps.*, see configs/cifar_zoo/README.md),
# for networks of 3 stages (ResNets, WRNs, ShuffleNets) and of 4 (VGG, ResNet50, MobileNetV2):
# `taps{n}` after each stage's ReLU, `pre_taps{n}` before it, `pooled` the globally pooled
# feature (the input of the classifier's fc layer), and what the method bases share.


def _taps(n, suffix=''):
    return {f'stage{i}': dict(type='ModuleOutputs', source=f'backbone.taps.stage{i}{suffix}')
            for i in range(1, n + 1)}


taps3, taps4 = _taps(3), _taps(4)
pre_taps3, pre_taps4 = _taps(3, '_pre'), _taps(4, '_pre')
pooled = dict(type='ModuleInputs', source='head.fc')
# conv1x1-BN from the student's channels to the teacher's, sized by the pair ('auto')
proj_to_teacher = dict(type='ConvModuleConnector', in_channel='auto', out_channel='auto',
                       kernel_size=1, norm_cfg=dict(type='BN'), act_cfg=None)
# one record named `feat` on each side into a loss's preds_S / preds_T
feat_mapping = dict(preds_S=dict(recorder='feat', from_student=True),
                    preds_T=dict(recorder='feat', from_student=False))
# ReviewKD's inputs: the student's stages and pooled feature, the teacher's pre-ReLU stages and
# pooled feature
review_student3, review_student4 = dict(taps3, pooled=pooled), dict(taps4, pooled=pooled)
review_teacher3 = dict(pre_taps3, pooled=pooled)
review_teacher4 = dict(pre_taps4, pooled=pooled)


def _all_stages(n):
    names = [f'stage{i}' for i in range(1, n + 1)]
    return dict(preds_S=dict(recorder=names, from_student=True),
                preds_T=dict(recorder=names, from_student=False))


# every stage, in order, into one loss (for losses summed over layers)
stages_mapping3, stages_mapping4 = _all_stages(3), _all_stages(4)


def _review(n):
    names = [f'stage{i}' for i in range(1, n + 1)] + ['pooled']
    return dict(loss_review=dict(
        preds_S=dict(recorder=names, from_student=True, connector='review'),
        preds_T=dict(recorder=names, from_student=False)))


review_mappings3, review_mappings4 = _review(3), _review(4)


def _per_stage(n, loss, connector=None, teacher_connector=None):
    """One loss per stage i, ``{loss}{i}``: stage i of the student (through ``{connector}{i}``)
    against stage i of the teacher (through ``{teacher_connector}{i}``)."""
    mappings = {}
    for i in range(1, n + 1):
        s = dict(recorder=f'stage{i}', from_student=True)
        t = dict(recorder=f'stage{i}', from_student=False)
        if connector:
            s['connector'] = f'{connector}{i}'
        if teacher_connector:
            t['connector'] = f'{teacher_connector}{i}'
        mappings[f'{loss}{i}'] = dict(preds_S=s, preds_T=t)
    return mappings


# per-stage losses of the method bases, one per stage i, named LOSS{i}
vid_mappings3, vid_mappings4 = _per_stage(3, 'loss_vid'), _per_stage(4, 'loss_vid')
ab_mappings3, ab_mappings4 = _per_stage(3, 'loss_ab', 'ab'), _per_stage(4, 'loss_ab', 'ab')
ab_plain_mappings3, ab_plain_mappings4 = _per_stage(3, 'loss_ab'), _per_stage(4, 'loss_ab')
ofd_mappings3 = _per_stage(3, 'loss_ofd', 'proj', 'margin')
ofd_mappings4 = _per_stage(4, 'loss_ofd', 'proj', 'margin')


def _fsp(n):
    names = ['stem'] + [f'stage{i}' for i in range(1, n + 1)]
    taps = {name: dict(type='ModuleOutputs', source=f'backbone.taps.{name}') for name in names}
    return taps, dict(loss_fsp=dict(preds_S=dict(recorder=names, from_student=True),
                                    preds_T=dict(recorder=names, from_student=False)))


# FSP: the stem and every stage, one loss over their consecutive pairs
(fsp_taps3, fsp_mapping3), (fsp_taps4, fsp_mapping4) = _fsp(3), _fsp(4)
