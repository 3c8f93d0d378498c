"""The States Language: loading and validating definitions (no execution here)."""
