"""The demo data for the embedded default (`furusato seed-demo`, `furusato dev`)."""
