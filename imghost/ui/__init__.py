"""The Reflex UI: one state module and one page module per page."""
