"""What each model supports, the clients that reach it (Claude API, Bedrock, Vertex), usage and prices."""
