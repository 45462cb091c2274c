"""The top floor: builds the running system out of the domain packages.

system (start and stop, in order), services (the background services beside the
ACD), reactions (the ACD's in-memory observers), recorder (call and seat events
into the database, journalled through outages), parts (the app floor's typed
slots), factory (the FastAPI app), discovery (every package's models and
routers), health, metrics, web (wallboard, desk, live stream), cli and demo.
"""
