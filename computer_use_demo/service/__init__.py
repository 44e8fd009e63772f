"""What the HTTP API and the MCP server share: runs in the background with a live, stored event stream."""
