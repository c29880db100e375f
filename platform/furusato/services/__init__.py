"""Use cases. Each public function runs one unit of work and owns its transaction."""
