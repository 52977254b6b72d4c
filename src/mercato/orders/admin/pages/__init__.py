"""The order pages of their own (buttons on the order page), one module per part."""
