"""The Asterisk configuration the ACD expects, rendered from the settings.

``render`` (pure) makes the text of every file, ``install.write_config`` writes
them to a folder with the prompts and phone passwords; ``callcenter
asterisk-conf --out DIR`` runs it. The dialplan contract is asterisk-conf/README.md.
"""
