"""Settlement: closing campaigns, refunds, the ledger, payouts, bank accounts, reports."""
