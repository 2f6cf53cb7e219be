"""The installed base: regions, sites, customers, product models, deliveries, units, usage."""
