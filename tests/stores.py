"""The stores every test that touches a database runs on."""

STORES = ("sqlite", "postgresql")
