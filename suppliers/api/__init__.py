"""REST API building blocks shared by every app's endpoints (authentication, errors, pagination,
idempotency, throttling) and the supplier/buyer-unit endpoints themselves."""
