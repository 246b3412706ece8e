"""imghost: a self-hosted image host (Reflex UI + REST API over S3/R2 or local disk)."""
