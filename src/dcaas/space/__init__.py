"""Spaces: a personal space per user, and shared spaces with member roles."""
