"""Integration tests: real sockets, real servers."""
