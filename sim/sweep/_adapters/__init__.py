"""The sweep engine's model adapters: one module a model (mmc, coverage, plan, capacity, fire, coverage over time)."""
