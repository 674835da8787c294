"""pytest fixtures and a small client for softlayer-ticket-server's control API."""

from .control import Account, Emulator, EmulatorError, EmulatorUnreachable, start_emulator

__all__ = ["Account", "Emulator", "EmulatorError", "EmulatorUnreachable", "start_emulator"]
__version__ = "0.1.0"
