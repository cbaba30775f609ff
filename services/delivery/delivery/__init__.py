"""The delivery service: the platform's events pushed to registered webhooks as CloudEvents over HTTP."""
