"""Framework-free business logic shared by the REST API and the Reflex UI."""
