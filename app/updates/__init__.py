"""Form updates: newer editions of the definitions, signed by the receiver (The Update Framework), installed
beside the bundled ones, and the drafts carried over to them. No Qt here. See docs/transmission.md."""
