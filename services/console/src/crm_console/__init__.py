"""The console: the backend-for-frontend that serves the CRM web app."""
