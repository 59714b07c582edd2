"""Marketing: live segments, the consent ledger, campaigns with one-click unsubscribe."""
