"""A simulated Asterisk PBX that speaks AMI over TCP and plays the dialplan contract.

Integration tests, ``callcenter demo`` and the benchmarks run the real AMI
listener against it. See ``PbxSimulator`` for the API.
"""

from acd.simulator.channels import CallRecordView, ChannelView
from acd.simulator.scenario import Scenario, load_scenario
from acd.simulator.simulator import PbxSimulator

__all__ = ["CallRecordView", "ChannelView", "PbxSimulator", "Scenario", "load_scenario"]
