"""The hosted capture page and the review console: static files, templates and the helpers
behind `api.routes.pages`."""
