"""kycflow's HTTP API: a Stripe Identity-compatible surface over Temporal workflows."""
