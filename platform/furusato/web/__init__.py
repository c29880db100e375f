"""The web layer: blueprints that translate HTTP into service calls."""
