"""Fulfilment: receipts, documents, the one-stop exception, My Number, shipments."""
