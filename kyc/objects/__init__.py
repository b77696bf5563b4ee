"""The public objects of the API, each defined once as a pydantic model (`<Thing>Public`).

Routes declare them as response models (so the OpenAPI document describes every response),
stored events embed them, and webhook bodies are the same event objects. Built from stored rows;
identity data is unsealed only where a caller may see it (`verified_outputs` when expanded,
report bodies when a report is read).
"""
