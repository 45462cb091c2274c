"""The browser side: the supervisor wallboard, the agent desk, and the live push channel.

Everything ships inside the package (``static/``): plain HTML, a little plain JS
and CSS, no CDN and no network at runtime.
"""
