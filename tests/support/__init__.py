"""Test support: real servers and clients the tests start."""
