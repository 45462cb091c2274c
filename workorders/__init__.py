"""Work orders: one per inbound call, opened at arrival and shown on the desk.

lifecycle, merging, numbering and service (the order and its history), context
(the screen pop), referrals/ (to the 222 local sites, closed loop and return
visits), stats/ (figures and the monthly report), lookup (the order of a call,
for other packages), deps (the parts its routers take). Depends on acd's call
records and the kernel.
"""
