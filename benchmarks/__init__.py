"""Benchmarks: each measures our code against a baseline measured in the same run and prints the ratio."""
