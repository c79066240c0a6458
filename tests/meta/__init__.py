"""Tests of meta."""
