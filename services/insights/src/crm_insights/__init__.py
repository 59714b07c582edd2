"""Insights: derived, rebuildable analytics over the CRM's event topics."""
