"""One router per resource; each route validates a request, calls the library, returns a response."""
