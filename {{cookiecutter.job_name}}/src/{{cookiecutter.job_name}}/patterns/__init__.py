"""Cookbook patterns: each module is one recipe from the guide."""
