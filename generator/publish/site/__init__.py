"""The published site: pages, charts and exports."""
