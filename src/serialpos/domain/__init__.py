"""Pure shop rules: products, serial units and their states, events, settings, users."""
