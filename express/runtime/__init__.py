"""Executions: the interpreter loop, fan-out, the clock and the executor."""
