"""The automatic call distributor: from AMI events to routing decisions and back.

ami (the panoramisk adapter: link, reconnect, resync), tracker (channels →
calls), core and its rooms (routing, waiting, deadlines, misses, explain: the
pure routing core, time passed in), service (the imperative shell), seat_control
(the seats API's port over the running ACD), conference (warm hand-off to the
police), callback/ (the dialer that calls back every missed caller), simulator/
(a PBX that speaks AMI over TCP and plays the dialplan contract).
Depends on seats and the kernel; never on work orders or crisis.
"""
