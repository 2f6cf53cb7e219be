"""The web application: REST API and HTML pages on one FastAPI app."""
