"""Mutation testing of the core modules (`make mutation`); see run.py."""
