from tests.db_fixtures import database_url  # noqa: F401
