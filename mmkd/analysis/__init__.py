"""Measuring mmkd: the benchmark harness behind the published digits results, their
rendering, and training curves of work dirs."""
