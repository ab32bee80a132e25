"""The HTTP plumbing shared by every router: dependencies, error responses and health."""
