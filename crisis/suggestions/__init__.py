"""The assessment as the desk sees it while the agent types, and the agent's answer.

``POST /api/crisis/assessment`` reads a summary and returns the suggested level with
its evidence (pure, nothing written). ``POST /api/crisis/suggestions`` records that
the agent accepted a suggestion (the desk then raises the work order's risk level)
or dismissed it with a reason; a dismissed level no longer counts for the rules on
that call, and the crisis report counts both.
"""
