"""A faithful WeChat mini-program and WeCom API simulator, for demo mode and tests."""

from .app import RunningSimulator, create_simulator_app, run_simulator, start_simulator
from .config import SimConfig
from .state import SIM_STATE, SimState

__all__ = [
    "SIM_STATE",
    "RunningSimulator",
    "SimConfig",
    "SimState",
    "create_simulator_app",
    "run_simulator",
    "start_simulator",
]
