"""Visualizers of mmkd. MMEngine's are used as they are."""
