"""Thin Temporal activities: load inputs, call an engine, return a model."""
