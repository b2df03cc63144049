"""The FastAPI app: thin routers over :mod:`feedback_nlp`. Build it with :func:`api.app.create_app`."""
