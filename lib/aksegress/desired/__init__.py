"""Desired state: pure functions from validated params to the ARM resources each step owns."""
