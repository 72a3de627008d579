"""Values in and results out: --at/--inputs/@file values, tables, JSON, .npz, --points streams."""
