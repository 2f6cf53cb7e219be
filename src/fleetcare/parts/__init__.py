"""The spare-parts network: parts, bills of materials, locations, lanes, the stock ledger,
reservations, transfers and replenishment proposals."""
