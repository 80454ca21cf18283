"""Studies built on mmkd's parts: the KD decomposition of Tang et al. (2020)."""
