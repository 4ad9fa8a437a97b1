"""Dark Factory: compile a D1-D10 product spec into verified, agent-built software."""

__version__ = "0.1.0"
