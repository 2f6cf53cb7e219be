"""Analytics: Weibull reliability fits and early warning of components failing too often."""
