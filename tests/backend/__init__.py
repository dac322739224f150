"""Tests of the backend plugin system."""
