"""Helpers for tests that run the app in other processes."""
