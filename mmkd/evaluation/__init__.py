"""Metrics of mmkd. Classification uses mmpretrain's (``type='mmpretrain.Accuracy'``)."""
