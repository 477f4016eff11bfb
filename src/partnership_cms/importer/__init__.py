"""Importers that turn scanned or exported documents into content."""
